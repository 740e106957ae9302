using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>Host capacity settings and placement through the API, on the test driver's one host.</summary>
public sealed class PlacementTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;
    private string HostId => portal.Host.GetProperty("id").GetString()!;

    private async Task<JsonElement> PatchHostAsync(object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Admin.PatchAsJsonAsync($"/api/v1/hosts/{HostId}", body);
        return await response.JsonAsync(expected);
    }

    [Fact]
    public async Task GetHost_NewHost_ShowsCapacityDefaultsAndAllocation()
    {
        using var response = await Admin.GetAsync($"/api/v1/hosts/{HostId}");
        var host = await response.JsonAsync(HttpStatusCode.OK);
        Assert.False(host.GetProperty("maintenance").GetBoolean());
        Assert.Equal(4.0, host.GetProperty("cpuOvercommit").GetDouble());
        Assert.Equal(1.0, host.GetProperty("memoryOvercommit").GetDouble());
        Assert.Equal(256, host.GetProperty("reservedMemoryMiB").GetInt64());
        Assert.Equal(JsonValueKind.Array, host.GetProperty("labels").ValueKind);
        Assert.True(host.GetProperty("allocatedVcpus").GetInt32() >= 0);
        Assert.True(host.GetProperty("allocatedMemoryMiB").GetInt64() >= 0);
    }

    [Fact]
    public async Task PatchHost_Settings_AreStoredAndShown()
    {
        var patched = await PatchHostAsync(new { cpuOvercommit = 8.0, labels = new[] { "ssd", "zone=a" } });
        try
        {
            Assert.Equal(8.0, patched.GetProperty("cpuOvercommit").GetDouble());
            Assert.Equal(["ssd", "zone=a"], patched.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
            using var response = await Admin.GetAsync($"/api/v1/hosts/{HostId}");
            var host = await response.JsonAsync(HttpStatusCode.OK);
            Assert.Equal(8.0, host.GetProperty("cpuOvercommit").GetDouble());
            Assert.Equal(1.0, host.GetProperty("memoryOvercommit").GetDouble());
            Assert.Equal(2, host.GetProperty("labels").GetArrayLength());
        }
        finally
        {
            await PatchHostAsync(new { cpuOvercommit = 4.0, labels = Array.Empty<string>() });
        }
    }

    [Theory]
    [InlineData("""{"cpuOvercommit":0}""", "cpuOvercommit")]
    [InlineData("""{"cpuOvercommit":32.5}""", "cpuOvercommit")]
    [InlineData("""{"memoryOvercommit":0.05}""", "memoryOvercommit")]
    [InlineData("""{"reservedMemoryMiB":-1}""", "reservedMemoryMiB")]
    [InlineData("""{"reservedMemoryMiB":999999999999}""", "reservedMemoryMiB")]
    [InlineData("""{"labels":["SSD"]}""", "labels")]
    [InlineData("""{"labels":["zone a"]}""", "labels")]
    [InlineData("""{"labels":[""]}""", "labels")]
    [InlineData("""{"labels":[null]}""", "labels")]
    public async Task PatchHost_BadValue_Returns400NamingTheField(string json, string field)
    {
        using var response = await Admin.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/hosts/{HostId}")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        });
        await response.ValidationProblemAsync(field);
    }

    [Fact]
    public async Task PatchHost_TooManyLabels_Returns400()
    {
        using var response = await Admin.PatchAsJsonAsync($"/api/v1/hosts/{HostId}", new { labels = Enumerable.Range(0, 33).Select(i => $"l{i}") });
        await response.ValidationProblemAsync("labels");
    }

    [Fact]
    public async Task PatchHost_UnknownId_Returns404()
    {
        using var response = await Admin.PatchAsJsonAsync($"/api/v1/hosts/{Guid.NewGuid()}", new { maintenance = true });
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task CreateMachine_HostInMaintenance_Returns409NamingHostAndMaintenanceThenWorksWhenBack()
    {
        var hostName = portal.Host.GetProperty("name").GetString()!;
        Assert.True((await PatchHostAsync(new { maintenance = true })).GetProperty("maintenance").GetBoolean());
        try
        {
            var name = PortalApi.UniqueName("maint");
            using var refused = await Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
            var problem = await refused.ProblemAsync(HttpStatusCode.Conflict);
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.Contains(hostName, detail);
            Assert.Contains("maintenance", detail);
            using var list = await Admin.GetAsync($"/api/v1/machines?filter={name}");
            Assert.Equal(0, (await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());

            using var explain = await Admin.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64 });
            var verdict = Assert.Single((await explain.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray());
            Assert.False(verdict.GetProperty("eligible").GetBoolean());
            Assert.Equal("connected", verdict.GetProperty("filter").GetString());
            Assert.Equal("host is in maintenance", verdict.GetProperty("reason").GetString());
            Assert.False(verdict.TryGetProperty("score", out _));
        }
        finally
        {
            Assert.False((await PatchHostAsync(new { maintenance = false })).GetProperty("maintenance").GetBoolean());
        }
        var machine = await Admin.CreateMachineAsync(PortalApi.UniqueName("back"));
        Assert.Equal(HostId, machine.GetProperty("hostId").GetString());
    }

    [Fact]
    public async Task Explain_MachineBody_ListsEveryHostWithScoreAndCreatesNothing()
    {
        var before = await MachineCountAsync();
        using var response = await Admin.PostAsJsonAsync("/api/v1/placement/explain", new { name = "dry-run", vcpus = 1, memoryMiB = 64 });
        var body = await response.JsonAsync(HttpStatusCode.OK);
        var verdict = Assert.Single(body.GetProperty("hosts").EnumerateArray());
        Assert.Equal(HostId, verdict.GetProperty("hostId").GetString());
        Assert.Equal(portal.Host.GetProperty("name").GetString(), verdict.GetProperty("name").GetString());
        Assert.True(verdict.GetProperty("eligible").GetBoolean());
        Assert.InRange(verdict.GetProperty("score").GetDouble(), 0.0, 1.0);
        Assert.False(verdict.TryGetProperty("filter", out _));
        Assert.False(verdict.TryGetProperty("reason", out _));
        Assert.Equal(before, await MachineCountAsync());
    }

    [Fact]
    public async Task Explain_RequiredLabelMissing_DropsHostByLabelFilter()
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64, labels = new[] { "gpu" } });
        var verdict = Assert.Single((await response.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray());
        Assert.Equal("labels", verdict.GetProperty("filter").GetString());
        Assert.Equal("missing label gpu", verdict.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("""{"vcpus":0,"memoryMiB":64}""", "vcpus")]
    [InlineData("""{"vcpus":1}""", "memoryMiB")]
    [InlineData("""{"vcpus":1,"memoryMiB":64,"labels":["Not Valid"]}""", "labels")]
    public async Task Explain_BadBody_Returns400NamingTheField(string json, string field)
    {
        using var response = await Admin.PostJsonAsync("/api/v1/placement/explain", json);
        await response.ValidationProblemAsync(field);
    }

    [Fact]
    public async Task CreateMachine_WithMissingLabel_Returns409NamingLabel()
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("lbl"), vcpus = 1, memoryMiB = 64, labels = new[] { "zone=z" } });
        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("missing label zone=z", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task GetPlacement_CreatedMachine_ReturnsRecordedDecision()
    {
        var machine = await Admin.CreateMachineAsync(PortalApi.UniqueName("rec"));
        using var response = await Admin.GetAsync($"/api/v1/machines/{machine.GetProperty("id").GetString()}/placement");
        var verdict = Assert.Single((await response.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray());
        Assert.Equal(machine.GetProperty("hostId").GetString(), verdict.GetProperty("hostId").GetString());
        Assert.True(verdict.GetProperty("eligible").GetBoolean());
        Assert.True(verdict.TryGetProperty("score", out _));
    }

    private async Task<int> MachineCountAsync()
    {
        using var response = await Admin.GetAsync("/api/v1/machines?limit=200");
        return (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength();
    }
}
