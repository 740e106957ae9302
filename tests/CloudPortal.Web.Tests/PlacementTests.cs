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
}
