using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>The monitoring API, /metrics and /readyz on a portal over libvirt's test driver, sampled every 2 s by the real collector.</summary>
public sealed class MonitoringApiTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private string HostId => portal.Host.GetProperty("id").GetString()!;

    private static async Task<JsonElement> PollSeriesAsync(HttpClient client, string path, string series, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var body = await (await client.GetAsync(path)).JsonAsync(HttpStatusCode.OK);
            var found = body.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == series);
            // A measured value, not only a gap (a host that failed a sample has null points).
            if (found.GetProperty("points").EnumerateArray().Any(p => p[1].ValueKind == JsonValueKind.Number) || DateTime.UtcNow > deadline)
                return body;
            await Task.Delay(500);
        }
    }

    private async Task<HttpClient> MemberAsync()
    {
        var name = PortalApi.UniqueName("mon");
        using var created = await portal.Admin.PostAsJsonAsync("/api/v1/users",
            new { username = name, password = "member-password-1", tenantId = DefaultTenant.Id, role = Roles.Member });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await portal.Factory.ClientForAsync(name, "member-password-1");
    }

    [Fact]
    public async Task GetHostMetrics_Admin_ReturnsSampledSeriesInTheContractShape()
    {
        var body = await PollSeriesAsync(portal.Admin, $"/api/v1/hosts/{HostId}/metrics", "machines.running", TimeSpan.FromSeconds(60));

        var names = body.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["cpu", "memory.used", "memory.total", "memory.allocated", "vcpus.allocated", "machines.running",
            "disk.read", "disk.write", "net.rx", "net.tx"], names);
        var running = body.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "machines.running");
        Assert.Equal("machines", running.GetProperty("unit").GetString());
        var point = running.GetProperty("points").EnumerateArray().Last(p => p[1].ValueKind == JsonValueKind.Number);
        Assert.Equal(2, point.GetArrayLength());
        var age = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - point[0].GetInt64();
        Assert.InRange(age, 0, 3700);
        // The test driver always runs its domain "test".
        Assert.True(point[1].GetDouble() >= 1);
    }

    [Fact]
    public async Task GetHostMetrics_Admin_ReturnsDiskAndNetworkRatesInBytesPerSecond()
    {
        var body = await PollSeriesAsync(portal.Admin, $"/api/v1/hosts/{HostId}/metrics", "disk.read", TimeSpan.FromSeconds(60));

        foreach (var name in new[] { "disk.read", "disk.write", "net.rx", "net.tx" })
        {
            var series = body.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
            Assert.Equal("bytes/s", series.GetProperty("unit").GetString());
            // The test driver's domains report counters, so once two samples exist the host has a summed rate.
            var measured = series.GetProperty("points").EnumerateArray().Where(p => p[1].ValueKind == JsonValueKind.Number).ToList();
            Assert.NotEmpty(measured);
            Assert.All(measured, p => Assert.True(p[1].GetDouble() >= 0));
        }
    }

    [Fact]
    public async Task GetMachineMetrics_OwnMachine_ListsEveryMachineSeries()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName("mon"));
        var id = machine.GetProperty("id").GetString();

        var body = await (await portal.Admin.GetAsync($"/api/v1/machines/{id}/metrics?range=PT1H")).JsonAsync(HttpStatusCode.OK);

        var series = body.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("unit").GetString());
        Assert.Equal("percent", series["cpu"]);
        Assert.Equal("MiB", series["memory.used"]);
        Assert.Equal("bytes/s", series["disk.read"]);
        Assert.Equal("ops/s", series["disk.write.iops"]);
        Assert.Equal("bytes/s", series["net.tx"]);
    }

    [Fact]
    public async Task GetMachineMetrics_SevenDays_ReadsRollupsWithMaxSeries()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName("mon"));
        var body = await (await portal.Admin.GetAsync($"/api/v1/machines/{machine.GetProperty("id").GetString()}/metrics?range=P7D"))
            .JsonAsync(HttpStatusCode.OK);
        var names = body.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("cpu", names);
        Assert.Contains("cpu.max", names);
    }

    [Theory]
    [InlineData("an-hour")]
    [InlineData("P2Y")]
    [InlineData("PT10S")]
    public async Task GetHostMetrics_BadRange_Returns400ForRange(string range)
    {
        await (await portal.Admin.GetAsync($"/api/v1/hosts/{HostId}/metrics?range={range}")).ValidationProblemAsync("range");
    }

    [Fact]
    public async Task GetHostMetrics_Member_Returns403()
    {
        using var member = await MemberAsync();
        await (await member.GetAsync($"/api/v1/hosts/{HostId}/metrics")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Prometheus_AdminScrape_HasHostGaugesAndMemberIsRefused()
    {
        await PollSeriesAsync(portal.Admin, $"/api/v1/hosts/{HostId}/metrics", "machines.running", TimeSpan.FromSeconds(60));

        using var response = await portal.Admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE cloudportal_host_machines_running gauge", text);
        var line = text.Split('\n').Single(l => l.StartsWith("cloudportal_host_machines_running{", StringComparison.Ordinal) && l.Contains($"host_id=\"{HostId}\""));
        Assert.True(double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= 1, line);

        using var member = await MemberAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/metrics")).StatusCode);
        using var anonymous = portal.Factory.Anonymous();
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Readyz_ConnectedHost_ReportsDatabaseAndSampling()
    {
        await PollSeriesAsync(portal.Admin, $"/api/v1/hosts/{HostId}/metrics", "machines.running", TimeSpan.FromSeconds(60));
        using var anonymous = portal.Factory.Anonymous();
        var body = await (await anonymous.GetAsync("/readyz")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("ok", body.GetProperty("database").GetString());
        var host = body.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("hostId").GetString() == HostId);
        Assert.False(host.GetProperty("sampling").GetProperty("failing").GetBoolean());
    }
}
