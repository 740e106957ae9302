using System.Net;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace CloudPortal.Web.Tests.Monitoring;

/// <summary>A real-host portal whose administrator asked for tenant labels on the machine gauges of /metrics.</summary>
public sealed class TenantLabelPortal : RealHostPortal
{
    public TenantLabelPortal() =>
        Factory.ExtraConfiguration = builder => builder.UseSetting("CloudPortal:Monitoring:MetricsTenantLabels", "true");
}

/// <summary>
/// Issue 6.5: machine gauges name tenants only where an administrator asked for it; the portal's own meters are there
/// too. On qemu:///system, since the test driver reports no machine figures to export.
/// </summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class PrometheusLabelTests(RealHostPortal plain, TenantLabelPortal labelled)
    : IClassFixture<RealHostPortal>, IClassFixture<TenantLabelPortal>
{
    /// <summary>The /metrics lines of one machine's gauges, once the collector has measured it.</summary>
    private static async Task<(string Text, string[] Lines)> ScrapeMachineAsync(HttpClient admin, string machineId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var response = await admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var lines = text.Split('\n').Where(l => l.StartsWith("cloudportal_machine_", StringComparison.Ordinal) && l.Contains($"machine_id=\"{machineId}\"")).ToArray();
            if (lines.Length > 0)
                return (text, lines);
            Assert.True(DateTime.UtcNow < deadline, "the machine never appeared in /metrics");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Metrics_Default_MachineGaugesWithoutTenantAndPortalMetersPresent()
    {
        var machine = await plain.Admin.CreateRunningMachineAsync(PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-')));

        var (text, lines) = await ScrapeMachineAsync(plain.Admin, machine.GetProperty("id").GetString()!);

        Assert.All(lines, l => Assert.DoesNotContain("tenant_id=", l));
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("dotnet_gc_", text);
    }

    [Fact]
    public async Task Metrics_TenantLabelsAsked_MachineGaugesNameTheTenant()
    {
        var machine = await labelled.Admin.CreateRunningMachineAsync(PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-')));

        var (_, lines) = await ScrapeMachineAsync(labelled.Admin, machine.GetProperty("id").GetString()!);

        Assert.All(lines, l => Assert.Contains($"tenant_id=\"{machine.GetProperty("tenantId").GetString()}\"", l));
    }
}
