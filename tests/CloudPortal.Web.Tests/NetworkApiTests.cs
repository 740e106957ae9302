using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>Networks and security groups through the API, on the test driver's host (records only: no bridges there).</summary>
public sealed class NetworkApiTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    private HttpClient Admin => portal.Admin;

    private static async Task<JsonElement> CreateNetworkAsync(HttpClient client, string mode = "isolated")
    {
        using var response = await client.PostAsJsonAsync("/api/v1/networks", new { name = PortalApi.UniqueName("net"), mode });
        return await response.JsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task PostNetworks_ThenListPaged_EachOwnSubnetAndNextCursor()
    {
        var created = new List<JsonElement>();
        for (int i = 0; i < 3; i++)
            created.Add(await CreateNetworkAsync(Admin, i % 2 == 0 ? "nat" : "isolated"));
        Assert.Equal(3, created.Select(n => n.GetProperty("cidr").GetString()).Distinct().Count());
        Assert.All(created, n => Assert.EndsWith(".1", n.GetProperty("gateway").GetString()));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            using var page = await Admin.GetAsync($"/api/v1/networks?limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            var body = await page.JsonAsync(HttpStatusCode.OK);
            var items = body.GetProperty("items").EnumerateArray().ToList();
            Assert.True(items.Count <= 2);
            seen.AddRange(items.Select(n => n.GetProperty("id").GetString()!));
            cursor = body.GetProperty("next").ValueKind == JsonValueKind.Null ? null : body.GetProperty("next").GetString();
        } while (cursor is not null);
        Assert.All(created, n => Assert.Contains(n.GetProperty("id").GetString(), seen));
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("""{"name":"n1","mode":"bridge"}""", "mode")]
    [InlineData("""{"name":"n1"}""", "mode")]
    [InlineData("""{"name":"bad name","mode":"nat"}""", "name")]
    public async Task PostNetworks_BadBody_Returns400NamingTheField(string json, string field)
    {
        using var response = await Admin.PostJsonAsync("/api/v1/networks", json);
        await response.ValidationProblemAsync(field);
    }

    [Fact]
    public async Task OtherTenant_Network_Is404AndCannotBeJoined()
    {
        var network = await CreateNetworkAsync(Admin);
        var id = network.GetProperty("id").GetString();
        using (var get = await portal.Other.GetAsync($"/api/v1/networks/{id}"))
            await get.ProblemAsync(HttpStatusCode.NotFound);
        using (var delete = await portal.Other.DeleteAsync($"/api/v1/networks/{id}"))
            await delete.ProblemAsync(HttpStatusCode.NotFound);
        var name = PortalApi.UniqueName("m");
        using (var join = await portal.Other.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64, networkId = id }))
            await join.ProblemAsync(HttpStatusCode.NotFound);
        using var list = await portal.Other.GetAsync("/api/v1/machines?limit=500");
        Assert.DoesNotContain((await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(), m => m.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task DeleteNetwork_UsedByMachine_Returns409NamingIt_ThenDeletedWhenFree()
    {
        var network = await CreateNetworkAsync(Admin, "nat");
        var id = network.GetProperty("id").GetString();
        var name = PortalApi.UniqueName("m");
        using var create = await Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64, networkId = id });
        var machine = await create.JsonAsync(HttpStatusCode.Accepted);
        var operation = await Admin.WaitOperationAsync(machine.GetProperty("operationId").GetString()!, TimeSpan.FromSeconds(30));
        Assert.Equal("succeeded", operation.GetProperty("state").GetString());

        using (var refused = await Admin.DeleteAsync($"/api/v1/networks/{id}"))
            Assert.Contains(name, (await refused.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());

        using (var deleteMachine = await Admin.DeleteAsync($"/api/v1/machines/{machine.GetProperty("id").GetString()}"))
        {
            var op = await deleteMachine.JsonAsync(HttpStatusCode.Accepted);
            await Admin.WaitOperationAsync(op.GetProperty("id").GetString()!, TimeSpan.FromSeconds(30));
        }
        using (var deleted = await Admin.DeleteAsync($"/api/v1/networks/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task PostMachine_DefaultNetwork_MadeOnFirstUse()
    {
        using var create = await portal.Other.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("m"), vcpus = 1, memoryMiB = 64, networkId = "default" });
        await create.JsonAsync(HttpStatusCode.Accepted);
        using var list = await portal.Other.GetAsync("/api/v1/networks");
        var items = (await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        var network = Assert.Single(items, n => n.GetProperty("isDefault").GetBoolean());
        Assert.Equal("default", network.GetProperty("name").GetString());
        Assert.Equal("nat", network.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task SecurityGroups_DefaultAllowsOwnMembers_RulesValidatedAddedAndRemoved()
    {
        using (var list = await Admin.GetAsync("/api/v1/security-groups"))
        {
            var groups = (await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
            var def = Assert.Single(groups, g => g.GetProperty("isDefault").GetBoolean());
            var self = Assert.Single(def.GetProperty("rules").EnumerateArray());
            Assert.Equal("all", self.GetProperty("protocol").GetString());
            Assert.Equal(def.GetProperty("id").GetString(), self.GetProperty("sourceGroupId").GetString());
        }

        using var created = await Admin.PostAsJsonAsync("/api/v1/security-groups", new { name = PortalApi.UniqueName("sg") });
        var group = await created.JsonAsync(HttpStatusCode.Created);
        var id = group.GetProperty("id").GetString();
        Assert.Empty(group.GetProperty("rules").EnumerateArray());

        foreach (var (json, field) in new[]
        {
            ("""{"protocol":"tcp","portFrom":100,"portTo":99,"sourceCidr":"0.0.0.0/0"}""", "portTo"),
            ("""{"protocol":"tcp","portFrom":70000,"sourceCidr":"0.0.0.0/0"}""", "portFrom"),
            ("""{"protocol":"tcp","portFrom":22,"sourceCidr":"10.0.0.1/8"}""", "sourceCidr"),
            ("""{"protocol":"sctp","sourceCidr":"0.0.0.0/0"}""", "protocol"),
            ("""{"protocol":"icmp"}""", "source"),
        })
        {
            using var bad = await Admin.PostJsonAsync($"/api/v1/security-groups/{id}/rules", json);
            await bad.ValidationProblemAsync(field);
        }

        using var added = await Admin.PostAsJsonAsync($"/api/v1/security-groups/{id}/rules", new { protocol = "tcp", portFrom = 22, sourceCidr = "192.168.1.0/24" });
        var rule = Assert.Single((await added.JsonAsync(HttpStatusCode.Created)).GetProperty("rules").EnumerateArray());
        Assert.Equal(22, rule.GetProperty("portTo").GetInt32());

        using (var otherSees = await portal.Other.GetAsync($"/api/v1/security-groups/{id}"))
            await otherSees.ProblemAsync(HttpStatusCode.NotFound);

        using (var removed = await Admin.DeleteAsync($"/api/v1/security-groups/{id}/rules/{rule.GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using (var deleted = await Admin.DeleteAsync($"/api/v1/security-groups/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}
