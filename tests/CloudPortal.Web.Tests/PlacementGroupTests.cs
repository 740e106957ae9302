using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>Placement groups through the API, on the test driver's one host.</summary>
public sealed class PlacementGroupTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    private HttpClient Admin => portal.Admin;

    private static async Task<JsonElement> CreateGroupAsync(HttpClient client, string policy, bool strict)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/placement-groups", new { name = PortalApi.UniqueName("pg"), policy, strict });
        return await response.JsonAsync(HttpStatusCode.Created);
    }

    private static Task<HttpResponseMessage> CreateInGroupAsync(HttpClient client, JsonElement group) =>
        client.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("m"), vcpus = 1, memoryMiB = 64, placementGroupId = group.GetProperty("id").GetString() });

    [Fact]
    public async Task CreateGroup_ThenGetAndList_ShowsIt()
    {
        var group = await CreateGroupAsync(Admin, "affinity", false);
        Assert.Equal("affinity", group.GetProperty("policy").GetString());
        Assert.False(group.GetProperty("strict").GetBoolean());
        Assert.Equal(0, group.GetProperty("members").GetInt32());
        using var get = await Admin.GetAsync($"/api/v1/placement-groups/{group.GetProperty("id").GetString()}");
        Assert.Equal(group.GetProperty("name").GetString(), (await get.JsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString());
        using var list = await Admin.GetAsync("/api/v1/placement-groups");
        Assert.Contains((await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            g => g.GetProperty("id").GetString() == group.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""{"name":"g1","policy":"together","strict":true}""", "policy")]
    [InlineData("""{"name":"g1","strict":true}""", "policy")]
    [InlineData("""{"name":"g1","policy":"affinity"}""", "strict")]
    [InlineData("""{"name":"bad name","policy":"affinity","strict":true}""", "name")]
    public async Task CreateGroup_BadBody_Returns400NamingTheField(string json, string field)
    {
        using var response = await Admin.PostJsonAsync("/api/v1/placement-groups", json);
        await response.ValidationProblemAsync(field);
    }

    [Fact]
    public async Task CreateMachine_StrictAntiAffinityGroupFullOnOneHost_Returns409ByAntiAffinity()
    {
        var group = await CreateGroupAsync(Admin, "anti-affinity", true);
        using (var first = await CreateInGroupAsync(Admin, group))
            await first.JsonAsync(HttpStatusCode.Accepted);
        using var second = await CreateInGroupAsync(Admin, group);
        var detail = (await second.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
        Assert.Contains("strict anti-affinity", detail);

        using var explain = await Admin.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64, placementGroupId = group.GetProperty("id").GetString() });
        var verdict = Assert.Single((await explain.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray());
        Assert.Equal("anti-affinity", verdict.GetProperty("filter").GetString());
    }

    [Fact]
    public async Task CreateMachine_SoftAntiAffinity_SecondStillLands()
    {
        var group = await CreateGroupAsync(Admin, "anti-affinity", false);
        using (var first = await CreateInGroupAsync(Admin, group))
            await first.JsonAsync(HttpStatusCode.Accepted);
        using var second = await CreateInGroupAsync(Admin, group);
        await second.JsonAsync(HttpStatusCode.Accepted);
        using var get = await Admin.GetAsync($"/api/v1/placement-groups/{group.GetProperty("id").GetString()}");
        Assert.Equal(2, (await get.JsonAsync(HttpStatusCode.OK)).GetProperty("members").GetInt32());
    }

    [Fact]
    public async Task DeleteGroup_WithMachines_Returns409_EmptyReturns204()
    {
        var used = await CreateGroupAsync(Admin, "affinity", true);
        using (var machine = await CreateInGroupAsync(Admin, used))
            await machine.JsonAsync(HttpStatusCode.Accepted);
        using var refused = await Admin.DeleteAsync($"/api/v1/placement-groups/{used.GetProperty("id").GetString()}");
        await refused.ProblemAsync(HttpStatusCode.Conflict);

        var empty = await CreateGroupAsync(Admin, "affinity", true);
        using var deleted = await Admin.DeleteAsync($"/api/v1/placement-groups/{empty.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task OtherTenantsGroup_Is404ForGetDeleteAndCreateBody()
    {
        var group = await CreateGroupAsync(Admin, "affinity", false);
        var id = group.GetProperty("id").GetString();
        using var get = await portal.Other.GetAsync($"/api/v1/placement-groups/{id}");
        await get.ProblemAsync(HttpStatusCode.NotFound);
        using var delete = await portal.Other.DeleteAsync($"/api/v1/placement-groups/{id}");
        await delete.ProblemAsync(HttpStatusCode.NotFound);
        using var create = await CreateInGroupAsync(portal.Other, group);
        await create.ProblemAsync(HttpStatusCode.NotFound);
        using var list = await portal.Other.GetAsync("/api/v1/placement-groups");
        Assert.DoesNotContain((await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(), g => g.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task CreateMachine_AdminWithOtherTenantsGroup_Returns400()
    {
        var group = await CreateGroupAsync(portal.Other, "affinity", false);
        using var response = await CreateInGroupAsync(Admin, group);
        await response.ValidationProblemAsync("placementGroupId");
    }
}
