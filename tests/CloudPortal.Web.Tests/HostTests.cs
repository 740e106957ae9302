using System.Net;
using System.Net.Http.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class HostTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task GetHosts_FirstHost_IsConnectedTestDriverWithCapacity()
    {
        var host = Assert.Single(await Admin.ListHostsAsync(), h => h.GetProperty("uri").GetString() == PortalFactory.TestUri);
        Assert.Equal("connected", host.GetProperty("state").GetString());
        Assert.Equal("test", host.GetProperty("virtualization").GetString());
        Assert.True(host.GetProperty("cpus").GetInt32() > 0, $"{host}");
        Assert.True(host.GetProperty("memoryMiB").GetInt64() > 0, $"{host}");
        Assert.Equal("local", host.GetProperty("name").GetString());

        using var one = await Admin.GetAsync($"/api/v1/hosts/{host.GetProperty("id").GetString()}");
        var single = await one.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(host.GetProperty("id").GetString(), single.GetProperty("id").GetString());
    }

    [Fact]
    public async Task GetHost_UnknownId_Returns404Problem()
    {
        using var response = await Admin.GetAsync($"/api/v1/hosts/{Guid.NewGuid()}");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("http://x")]
    [InlineData("")]
    [InlineData("qemu:///nope")]
    [InlineData("not a uri")]
    [InlineData("test:///other")]
    public async Task PostHosts_BadUri_Returns400WithUriField(string uri)
    {
        var before = (await Admin.ListHostsAsync()).Count;
        using var response = await Admin.PostAsJsonAsync("/api/v1/hosts", new { uri });
        await response.ValidationProblemAsync("uri");
        Assert.Equal(before, (await Admin.ListHostsAsync()).Count);
    }

    [Fact]
    public async Task PostHosts_NoUri_Returns400WithUriField()
    {
        using var response = await Admin.PostJsonAsync("/api/v1/hosts", "{\"name\":\"no-uri\"}");
        await response.ValidationProblemAsync("uri");
    }

    [Fact]
    public async Task PostHosts_DuplicateUri_Returns409Problem()
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/hosts", new { name = PortalApi.UniqueName("dup"), uri = PortalFactory.TestUri });
        await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Single(await Admin.ListHostsAsync(), h => h.GetProperty("uri").GetString() == PortalFactory.TestUri);
    }

    [Fact]
    public async Task PostHosts_UnreachableHost_Returns201ThenUnreachableWithLastError()
    {
        const string uri = "qemu+tcp://127.0.0.1:1/system";
        using var response = await Admin.PostAsJsonAsync("/api/v1/hosts", new { uri });
        var created = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal(uri, created.GetProperty("uri").GetString());
        var id = created.GetProperty("id").GetString();
        Assert.EndsWith($"/api/v1/hosts/{id}", response.Headers.Location?.ToString());

        var host = await PortalApi.WaitHostStateAsync(Admin, h => h.GetProperty("id").GetString() == id, "unreachable", TimeSpan.FromSeconds(20));
        Assert.False(string.IsNullOrWhiteSpace(host.GetProperty("lastError").GetString()), $"{host}");
        // Machines still land on the connected host.
        var machine = await Admin.CreateRunningMachineAsync(PortalApi.UniqueName());
        Assert.Equal(portal.Host.GetProperty("id").GetString(), machine.GetProperty("hostId").GetString());
    }
}
