using System.Net;
using System.Net.Http.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class MachineTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task Machine_CreateActDelete_GoesThroughEveryState()
    {
        var name = PortalApi.UniqueName();
        var created = await Admin.CreateMachineAsync(name, vcpus: 2, memoryMiB: 128);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(2, created.GetProperty("vcpus").GetInt32());
        Assert.Equal(128, created.GetProperty("memoryMiB").GetInt32());
        Assert.Equal(portal.Host.GetProperty("id").GetString(), created.GetProperty("hostId").GetString());

        var operation = await Admin.WaitOperationAsync(created.GetProperty("operationId").GetString()!, TimeSpan.FromSeconds(20));
        Assert.Equal("succeeded", operation.GetProperty("state").GetString());
        Assert.Equal(id, operation.GetProperty("machineId").GetString());
        Assert.Equal(100, operation.GetProperty("progress").GetInt32());
        Assert.NotEmpty(operation.GetProperty("steps").EnumerateArray());

        Assert.Equal("running", (await Admin.GetMachineAsync(id)).GetProperty("state").GetString());
        Assert.Equal("paused", (await Admin.ActAsync(id, "pause")).GetProperty("state").GetString());
        Assert.Equal("paused", (await Admin.GetMachineAsync(id)).GetProperty("state").GetString());
        Assert.Equal("running", (await Admin.ActAsync(id, "resume")).GetProperty("state").GetString());
        Assert.Equal("stopped", (await Admin.ActAsync(id, "poweroff")).GetProperty("state").GetString());
        Assert.Equal("stopped", (await Admin.GetMachineAsync(id)).GetProperty("state").GetString());
        Assert.Equal("running", (await Admin.ActAsync(id, "start")).GetProperty("state").GetString());

        using var delete = await Admin.DeleteAsync($"/api/v1/machines/{id}");
        var deleting = await delete.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("delete", deleting.GetProperty("kind").GetString(), ignoreCase: true);
        var deleted = await Admin.WaitOperationAsync(deleting.GetProperty("id").GetString()!, TimeSpan.FromSeconds(20));
        Assert.Equal("succeeded", deleted.GetProperty("state").GetString());

        using var gone = await Admin.GetAsync($"/api/v1/machines/{id}");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PostAction_ResumeWhenRunning_Returns409NamingTheState()
    {
        var machine = await Admin.CreateRunningMachineAsync(PortalApi.UniqueName());
        using var response = await Admin.PostAsync($"/api/v1/machines/{machine.GetProperty("id").GetString()}/resume", null);

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("running", problem.GetProperty("detail").GetString());
        Assert.Equal("running", (await Admin.GetMachineAsync(machine.GetProperty("id").GetString()!)).GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("explode")]
    [InlineData("0")]
    [InlineData("migrate-now")]
    public async Task PostAction_UnknownAction_Returns404Problem(string action)
    {
        var machine = await Admin.CreateRunningMachineAsync(PortalApi.UniqueName());
        using var response = await Admin.PostAsync($"/api/v1/machines/{machine.GetProperty("id").GetString()}/{action}", null);

        await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("running", (await Admin.GetMachineAsync(machine.GetProperty("id").GetString()!)).GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/start")]
    public async Task Machine_UnknownId_Returns404Problem(string method, string suffix)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/v1/machines/{Guid.NewGuid()}{suffix}");
        using var response = await Admin.SendAsync(request);
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetOperation_UnknownId_Returns404Problem()
    {
        using var response = await Admin.GetAsync($"/api/v1/operations/{Guid.NewGuid()}");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PostMachines_DuplicateName_Returns409Problem()
    {
        var name = PortalApi.UniqueName();
        await Admin.CreateMachineAsync(name);
        using var again = await Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });

        var problem = await again.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains(name, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task PostMachines_SameNameConcurrently_ExactlyOneIsAccepted()
    {
        var name = PortalApi.UniqueName();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 })));
        try
        {
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
            foreach (var conflict in responses.Where(r => r.StatusCode != HttpStatusCode.Accepted))
                await conflict.ProblemAsync(HttpStatusCode.Conflict);
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
    }

    [Fact]
    public async Task GetMachines_AfterCreate_ListsTheMachineWithContractFields()
    {
        var machine = await Admin.CreateRunningMachineAsync(PortalApi.UniqueName());
        using var response = await Admin.GetAsync("/api/v1/machines?limit=500");
        var page = await response.JsonAsync(HttpStatusCode.OK);

        var listed = Assert.Single(page.GetProperty("items").EnumerateArray(), m => m.GetProperty("id").GetString() == machine.GetProperty("id").GetString());
        foreach (var field in new[] { "id", "name", "tenantId", "hostId", "state", "vcpus", "memoryMiB", "domainUuid" })
            Assert.True(listed.TryGetProperty(field, out _), $"machine has no '{field}': {listed}");
        Assert.Equal("00000000-0000-0000-0000-000000000001", listed.GetProperty("tenantId").GetString());
        Assert.True(page.TryGetProperty("next", out _), "page has no 'next'");
    }
}
