using System.Net;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace CloudPortal.Web.Tests.Monitoring;

/// <summary>
/// A portal on qemu:///system whose machines are cpo-* (swept before and after, and by no other class), with or
/// without the tenant labels an administrator may ask for on the machine gauges of /metrics.
/// </summary>
public abstract class PrometheusPortal : PortalFixture
{
    public const string Prefix = "cpo-";

    protected PrometheusPortal(bool tenantLabels) : base(Virsh.Uri) =>
        Factory.ExtraConfiguration = builder => builder.UseSetting("CloudPortal:Monitoring:MetricsTenantLabels", tenantLabels ? "true" : "false");

    public override async Task InitializeAsync()
    {
        await Virsh.RemoveDomainsAsync(Prefix);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Virsh.RemoveDomainsAsync(Prefix);
        }
    }
}

public sealed class PlainPrometheusPortal() : PrometheusPortal(tenantLabels: false);

public sealed class TenantLabelPortal() : PrometheusPortal(tenantLabels: true);

/// <summary>
/// Issue 6.5: machine gauges name tenants only where an administrator asked for it; the portal's own meters are there
/// too. On qemu:///system, since the test driver reports no machine figures to export.
/// </summary>
[Trait("Category", "RealHost")]
public sealed class PrometheusLabelTests(PlainPrometheusPortal plain, TenantLabelPortal labelled)
    : IClassFixture<PlainPrometheusPortal>, IClassFixture<TenantLabelPortal>
{
    /// <summary>The /metrics lines of one machine's gauges, once the collector has measured it.</summary>
    private static async Task<(string Text, string[] Lines)> ScrapeMachineAsync(HttpClient admin, string machineId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            using var response = await admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var lines = text.Split('\n').Where(l => l.StartsWith("cloudportal_machine_", StringComparison.Ordinal) && l.Contains($"machine_id=\"{machineId}\"")).ToArray();
            if (lines.Length > 0)
                return (text, lines);
            if (DateTime.UtcNow >= deadline)
            {
                var machine = await admin.GetMachineAsync(machineId);
                Assert.Fail($"machine {machine} never appeared in /metrics; machine lines there: " +
                    string.Join(" | ", text.Split('\n').Where(l => l.StartsWith("cloudportal_machine_", StringComparison.Ordinal)).Take(5)));
            }
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Metrics_Default_MachineGaugesWithoutTenantAndPortalMetersPresent()
    {
        var machine = await plain.Admin.CreateRunningMachineAsync(PortalApi.UniqueName(PrometheusPortal.Prefix.TrimEnd('-')));

        var (text, lines) = await ScrapeMachineAsync(plain.Admin, machine.GetProperty("id").GetString()!);

        Assert.All(lines, l => Assert.DoesNotContain("tenant_id=", l));
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("dotnet_gc_", text);
    }

    [Fact]
    public async Task Metrics_TenantLabelsAsked_MachineGaugesNameTheTenant()
    {
        var machine = await labelled.Admin.CreateRunningMachineAsync(PortalApi.UniqueName(PrometheusPortal.Prefix.TrimEnd('-')));

        var (_, lines) = await ScrapeMachineAsync(labelled.Admin, machine.GetProperty("id").GetString()!);

        Assert.All(lines, l => Assert.Contains($"tenant_id=\"{machine.GetProperty("tenantId").GetString()}\"", l));
    }
}
