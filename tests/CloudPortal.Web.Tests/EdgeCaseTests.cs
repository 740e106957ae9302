using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class EdgeCaseTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task PostMachines_NameWithTrailingNewline_Returns400WithNameField()
    {
        var name = PortalApi.UniqueName() + "\n";
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
        await response.ValidationProblemAsync("name");
    }

    [Fact]
    public async Task PostHosts_NameWithTrailingNewline_Returns400WithNameField()
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/hosts", new { name = PortalApi.UniqueName("h") + "\n", uri = "qemu+tcp://127.0.0.1:3/system" });
        await response.ValidationProblemAsync("name");
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData(" ")]
    [InlineData("\t")]
    public async Task PostMachines_NameWithTrailingWhitespace_Returns400WithNameField(string tail)
    {
        var name = PortalApi.UniqueName() + tail;
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
        await response.ValidationProblemAsync("name");
    }

    [Fact]
    public async Task PostMachines_MoreVcpusThanAnyHost_Returns400NamingVcpus()
    {
        var cpus = portal.Host.GetProperty("cpus").GetInt32();
        Assert.True(cpus < 64, $"the test driver host has {cpus} CPUs");
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName(), vcpus = cpus + 1, memoryMiB = 64 });
        var problem = await response.ValidationProblemAsync("vcpus");
        Assert.Contains(cpus.ToString(), problem.GetProperty("errors").GetProperty("vcpus")[0].GetString());
    }

    [Fact]
    public async Task PostMachines_MoreMemoryThanAnyHost_Returns400NamingMemory()
    {
        var memory = portal.Host.GetProperty("memoryMiB").GetInt64();
        Assert.True(memory < 256 * 1024, $"the test driver host has {memory} MiB");
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName(), vcpus = 1, memoryMiB = memory + 1 });
        await response.ValidationProblemAsync("memoryMiB");
    }

    [Theory]
    [InlineData("vcpus", "99999999999")]
    [InlineData("memoryMiB", "1e3")]
    [InlineData("name", "42")]
    [InlineData("name", "[\"a\"]")]
    public async Task PostMachines_WrongJsonType_Returns400NamingTheField(string field, string value)
    {
        var body = new Dictionary<string, string> { ["name"] = $"\"{PortalApi.UniqueName()}\"", ["vcpus"] = "1", ["memoryMiB"] = "64" };
        body[field] = value;
        var json = "{" + string.Join(",", body.Select(kv => $"\"{kv.Key}\":{kv.Value}")) + "}";
        using var response = await Admin.PostJsonAsync("/api/v1/machines", json);
        await response.ValidationProblemAsync(field);
    }

    [Fact]
    public async Task PostMachines_CaseInsensitivePropertyNames_AreAccepted()
    {
        var name = PortalApi.UniqueName();
        using var response = await Admin.PostJsonAsync("/api/v1/machines", $$"""{"NAME":"{{name}}","VCPUS":1,"MemoryMib":64}""");
        var machine = await response.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(name, machine.GetProperty("name").GetString());
    }

    [Fact]
    public async Task PostMachines_NameOfDeletedMachine_CanBeReused()
    {
        var name = PortalApi.UniqueName();
        var first = await Admin.CreateRunningMachineAsync(name);
        using var delete = await Admin.DeleteAsync($"/api/v1/machines/{first.GetProperty("id").GetString()}");
        var operation = await delete.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("succeeded", (await Admin.WaitOperationAsync(operation.GetProperty("id").GetString()!, TimeSpan.FromSeconds(20))).GetProperty("state").GetString());

        var second = await Admin.CreateRunningMachineAsync(name);
        Assert.NotEqual(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.NotEqual(first.GetProperty("domainUuid").GetString(), second.GetProperty("domainUuid").GetString());
    }

    [Fact]
    public async Task DeleteMachine_Twice_SecondIs409Or404NeverServerError()
    {
        var machine = await Admin.CreateRunningMachineAsync(PortalApi.UniqueName());
        var id = machine.GetProperty("id").GetString();
        using var first = await Admin.DeleteAsync($"/api/v1/machines/{id}");
        var operation = await first.JsonAsync(HttpStatusCode.Accepted);
        using var second = await Admin.DeleteAsync($"/api/v1/machines/{id}");
        Assert.True(second.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.Accepted,
            $"second delete answered {(int)second.StatusCode}: {await second.Content.ReadAsStringAsync()}");
        await Admin.WaitOperationAsync(operation.GetProperty("id").GetString()!, TimeSpan.FromSeconds(20));
        using var gone = await Admin.GetAsync($"/api/v1/machines/{id}");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetApi_UnknownRoute_Returns404()
    {
        using var response = await Admin.GetAsync("/api/v1/no-such-collection");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetMachines_NotAGuidId_Returns404()
    {
        using var response = await Admin.GetAsync("/api/v1/machines/not-a-guid");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task PostTokens_UsernameInOtherCase_IssuesAToken()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.PostAsJsonAsync("/api/v1/tokens", new { username = "ADMIN", password = portal.Factory.AdminPassword });
        await response.JsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task PostTokens_PasswordInOtherCase_Returns401()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.PostAsJsonAsync("/api/v1/tokens", new { username = "admin", password = portal.Factory.AdminPassword.ToUpperInvariant() });
        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task GetOperation_Create_ListsItsSteps()
    {
        var created = await Admin.CreateMachineAsync(PortalApi.UniqueName());
        var operation = await Admin.WaitOperationAsync(created.GetProperty("operationId").GetString()!, TimeSpan.FromSeconds(20));
        Assert.Equal("create", operation.GetProperty("kind").GetString());
        var steps = operation.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("define", steps);
        Assert.Contains("start", steps);
        Assert.Equal(JsonValueKind.Null, operation.GetProperty("error").ValueKind);
    }
}

/// <summary>A portal with no host at all (LocalHostUri = "").</summary>
public sealed class NoHostPortal : IAsyncLifetime
{
    public PortalFactory Factory { get; } = new("");
    public HttpClient Admin { get; private set; } = default!;

    public async Task InitializeAsync() => Admin = await Factory.AdminAsync();

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        await Factory.DisposeAsync();
    }
}

public sealed class NoHostTests(NoHostPortal portal) : IClassFixture<NoHostPortal>
{
    [Fact]
    public async Task GetHosts_EmptyLocalHostUri_RegistersNone()
    {
        Assert.Empty(await portal.Admin.ListHostsAsync());
    }

    [Fact]
    public async Task PostMachines_NoHost_Returns503Problem()
    {
        using var response = await portal.Admin.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName(), vcpus = 1, memoryMiB = 64 });
        await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        using var list = await portal.Admin.GetAsync("/api/v1/machines");
        Assert.Empty((await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task PostMachines_NoHostAndBadInput_Returns400()
    {
        using var response = await portal.Admin.PostAsJsonAsync("/api/v1/machines", new { name = "bad name", vcpus = 1, memoryMiB = 64 });
        await response.ValidationProblemAsync("name");
    }

    [Fact]
    public async Task GetReadyz_NoHost_Returns503()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
