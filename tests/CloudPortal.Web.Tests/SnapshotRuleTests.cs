using System.Net;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>
/// The rules of snapshots, clone and rebuild that need no disk, on the test driver: validation, states, another
/// tenant's machine, unknown snapshots and races. The disk work itself is proven on qemu:///system (CopyOnWriteApiTests).
/// </summary>
public sealed class SnapshotRuleTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    private async Task<string> NewMachineAsync() =>
        (await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName())).GetProperty("id").GetString()!;

    [Fact]
    public async Task CreateSnapshot_DisklessMachine_409NoDiskAndNothingRecorded()
    {
        var id = await NewMachineAsync();

        using var response = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", """{"name":"first"}""");
        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("no disk to snapshot", problem.GetProperty("detail").GetString());
        using var list = await portal.Admin.GetAsync($"/api/v1/machines/{id}/snapshots");
        Assert.Empty((await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"has space"}""", "name")]
    [InlineData("""{"description":"no name"}""", "name")]
    public async Task CreateSnapshot_InvalidInput_400OnTheField(string json, string field)
    {
        var id = await NewMachineAsync();

        using var response = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", json);

        await response.ValidationProblemAsync(field);
    }

    [Fact]
    public async Task CreateSnapshot_DescriptionTooLong_400OnDescription()
    {
        var id = await NewMachineAsync();
        var json = JsonSerializer.Serialize(new { name = "long", description = new string('d', 501) });

        using var response = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", json);

        await response.ValidationProblemAsync("description");
    }

    [Fact]
    public async Task RevertAndDelete_UnknownSnapshot_404()
    {
        var id = await NewMachineAsync();
        var unknown = Guid.NewGuid();

        using var revert = await portal.Admin.PostAsync($"/api/v1/machines/{id}/snapshots/{unknown}/revert", null);
        using var delete = await portal.Admin.DeleteAsync($"/api/v1/machines/{id}/snapshots/{unknown}");

        Assert.Contains(unknown.ToString(), (await revert.ProblemAsync(HttpStatusCode.NotFound)).GetProperty("detail").GetString());
        await delete.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SnapshotCloneRebuild_OtherTenantsMachine_404LikeAnUnknownOne()
    {
        var id = await NewMachineAsync();
        var sid = Guid.NewGuid();

        foreach (var target in new[] { id, Guid.NewGuid().ToString() })
        {
            using var list = await portal.Other.GetAsync($"/api/v1/machines/{target}/snapshots");
            await list.ProblemAsync(HttpStatusCode.NotFound);
            using var create = await portal.Other.PostJsonAsync($"/api/v1/machines/{target}/snapshots", """{"name":"mine"}""");
            await create.ProblemAsync(HttpStatusCode.NotFound);
            using var revert = await portal.Other.PostAsync($"/api/v1/machines/{target}/snapshots/{sid}/revert", null);
            await revert.ProblemAsync(HttpStatusCode.NotFound);
            using var delete = await portal.Other.DeleteAsync($"/api/v1/machines/{target}/snapshots/{sid}");
            await delete.ProblemAsync(HttpStatusCode.NotFound);
            using var clone = await portal.Other.PostJsonAsync($"/api/v1/machines/{target}/clone", """{"name":"stolen"}""");
            await clone.ProblemAsync(HttpStatusCode.NotFound);
            using var rebuild = await portal.Other.PostJsonAsync($"/api/v1/machines/{target}/rebuild", "{}");
            await rebuild.ProblemAsync(HttpStatusCode.NotFound);
        }
        Assert.Equal("running", (await portal.Admin.GetMachineAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Clone_RunningMachine_409NamingTheState()
    {
        var id = await NewMachineAsync();

        using var response = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{PortalApi.UniqueName()}}"}""");

        Assert.Contains("running", (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CloneAndRebuild_DisklessStoppedMachine_409NoDisk()
    {
        var id = await NewMachineAsync();
        await portal.Admin.ActAsync(id, "poweroff");

        using var clone = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{PortalApi.UniqueName()}}"}""");
        using var rebuild = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/rebuild", "{}");

        Assert.Contains("no disk to clone", (await clone.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await rebuild.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("stopped", (await portal.Admin.GetMachineAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task SnapshotActions_RacedWithAnotherActionAndEachOther_EachGetsOneClearOutcome()
    {
        var id = await NewMachineAsync();

        // Poweroffs, pauses and snapshot attempts at once on one machine: each answer is a success or a 409, never a 500.
        var requests = Enumerable.Range(0, 12).Select(i => (i % 3) switch
        {
            0 => portal.Admin.PostAsync($"/api/v1/machines/{id}/poweroff", null),
            1 => portal.Admin.PostAsync($"/api/v1/machines/{id}/pause", null),
            _ => portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", $$"""{"name":"race-{{i}}"}"""),
        }).ToList();
        var responses = await Task.WhenAll(requests);
        try
        {
            foreach (var response in responses)
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict,
                    $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
        using var list = await portal.Admin.GetAsync($"/api/v1/machines/{id}/snapshots");
        Assert.Empty((await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        // Every claim was let go: the next snapshot gets as far as the disk check instead of a race's 409.
        using var after = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", """{"name":"after"}""");
        Assert.Contains("no disk to snapshot", (await after.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
    }
}
