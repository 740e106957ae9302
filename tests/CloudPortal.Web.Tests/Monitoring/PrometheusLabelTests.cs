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
/// /metrics tests run alone, one portal at a time: every portal in this test process publishes the same meter name,
/// and an exporter keeps the first instrument of a name it sees, so a second live portal's gauges would read another
/// portal's figures. (A real portal is one per process.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrometheusCollection
{
    public const string Name = "Prometheus";
}

public static class PrometheusScrape
{
    /// <summary>The /metrics lines of one machine's gauges, once the collector has measured it.</summary>
    public static async Task<(string Text, string[] Lines)> MachineAsync(HttpClient admin, string machineId)
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

}

/// <summary>Issue 6.5: by default the machine gauges do not name tenants; the portal's own meters are there too.</summary>
[Trait("Category", "RealHost")]
[Collection(PrometheusCollection.Name)]
public sealed class PrometheusDefaultTests(PlainPrometheusPortal plain) : IClassFixture<PlainPrometheusPortal>
{
    [Fact]
    public async Task Metrics_Default_MachineGaugesWithoutTenantAndPortalMetersPresent()
    {
        var machine = await plain.Admin.CreateRunningMachineAsync(PortalApi.UniqueName(PrometheusPortal.Prefix.TrimEnd('-')));

        var (text, lines) = await PrometheusScrape.MachineAsync(plain.Admin, machine.GetProperty("id").GetString()!);

        Assert.All(lines, l => Assert.DoesNotContain("tenant_id=", l));
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("dotnet_gc_", text);
    }
}

/// <summary>Issue 6.5: machine gauges name their tenant where an administrator asked for it.</summary>
[Trait("Category", "RealHost")]
[Collection(PrometheusCollection.Name)]
public sealed class PrometheusTenantLabelTests(TenantLabelPortal labelled) : IClassFixture<TenantLabelPortal>
{
    [Fact]
    public async Task Metrics_TenantLabelsAsked_MachineGaugesNameTheTenant()
    {
        var machine = await labelled.Admin.CreateRunningMachineAsync(PortalApi.UniqueName(PrometheusPortal.Prefix.TrimEnd('-')));

        var (_, lines) = await PrometheusScrape.MachineAsync(labelled.Admin, machine.GetProperty("id").GetString()!);

        Assert.All(lines, l => Assert.Contains($"tenant_id=\"{machine.GetProperty("tenantId").GetString()}\"", l));
    }
}
