using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>
/// Policies that contradict each other are refused when they are set (409 naming the numbers), and nothing is stored.
/// On the test driver's one host; every group is the other tenant's so the default tenant's machines are its neighbours.
/// </summary>
public sealed class PolicyConflictTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    private HttpClient Admin => portal.Admin;
    private string HostId => portal.Host.GetProperty("id").GetString()!;
    private string OtherName => "other-" + portal.OtherTenantId.ToString("N")[..8];

    private async Task<JsonElement> TenantAsync()
    {
        using var response = await Admin.GetAsync($"/api/v1/tenants/{portal.OtherTenantId}");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    private Task<HttpResponseMessage> PatchOtherAsync(object body) => Admin.PatchAsJsonAsync($"/api/v1/tenants/{portal.OtherTenantId}", body);

    /// <summary>A strict anti-affinity group of the other tenant holding one machine on the one host.</summary>
    private async Task<string> FullGroupAsync()
    {
        using var created = await portal.Other.PostAsJsonAsync("/api/v1/placement-groups", new { name = PortalApi.UniqueName("aa"), policy = "anti-affinity", strict = true });
        var group = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var member = await portal.Other.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("m"), vcpus = 1, memoryMiB = 64, placementGroupId = group });
        await member.JsonAsync(HttpStatusCode.Accepted);
        return group;
    }

    [Fact]
    public async Task PatchTenant_DedicatedWithNoHostAssigned_Returns409AndStaysShared()
    {
        using var response = await PatchOtherAsync(new { isolation = "dedicated" });

        var detail = (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
        Assert.Equal($"Tenant {OtherName} cannot be dedicated: 0 hosts are assigned to it, so its machines could go nowhere. " +
            "Assign hosts first (PUT /api/v1/hosts/{id}/tenants/{tenantId}), then make it dedicated.", detail);
        Assert.Equal("shared", (await TenantAsync()).GetProperty("isolation").GetString());
    }

    [Fact]
    public async Task DeleteAssignment_LastHostOfDedicatedTenant_Returns409AndKeepsIt()
    {
        using (var assign = await Admin.PutAsync($"/api/v1/hosts/{HostId}/tenants/{portal.OtherTenantId}", null))
            Assert.Equal(HttpStatusCode.NoContent, assign.StatusCode);
        try
        {
            using (var dedicated = await PatchOtherAsync(new { isolation = "dedicated" }))
                await dedicated.JsonAsync(HttpStatusCode.OK);

            using var unassign = await Admin.DeleteAsync($"/api/v1/hosts/{HostId}/tenants/{portal.OtherTenantId}");

            var detail = (await unassign.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
            Assert.StartsWith($"The host is the only one of the 1 host assigned to dedicated tenant {OtherName}", detail);
            using var explain = await portal.Other.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64 });
            Assert.True(Assert.Single((await explain.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray()).GetProperty("eligible").GetBoolean());
        }
        finally
        {
            using (var shared = await PatchOtherAsync(new { isolation = "shared" }))
                await shared.JsonAsync(HttpStatusCode.OK);
            using var unassign = await Admin.DeleteAsync($"/api/v1/hosts/{HostId}/tenants/{portal.OtherTenantId}");
            Assert.Equal(HttpStatusCode.NoContent, unassign.StatusCode);
        }
    }

    [Fact]
    public async Task CreateMachine_FullStrictAntiAffinityGroup_Returns409NamingMachinesAndHosts()
    {
        var group = await FullGroupAsync();

        using var second = await portal.Other.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("m"), vcpus = 1, memoryMiB = 64, placementGroupId = group });

        var detail = (await second.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
        Assert.Matches($"^Placement group 'aa-[0-9a-f]+' is strict anti-affinity: 2 machines need 2 hosts \\(it holds 1, 1 more asked\\), but tenant {OtherName} may use 1 of 1 host\\.$", detail);
    }

    [Fact]
    public async Task CreateMachine_GroupOfOneWithItsOnlyHostInMaintenance_Returns409CountingMaintenance()
    {
        using var created = await portal.Other.PostAsJsonAsync("/api/v1/placement-groups", new { name = PortalApi.UniqueName("aa"), policy = "anti-affinity", strict = true });
        var group = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using (var maintenance = await Admin.PatchAsJsonAsync($"/api/v1/hosts/{HostId}", new { maintenance = true }))
            await maintenance.JsonAsync(HttpStatusCode.OK);
        try
        {
            using var first = await portal.Other.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("m"), vcpus = 1, memoryMiB = 64, placementGroupId = group });

            var detail = (await first.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
            Assert.EndsWith($"1 machines need 1 hosts (it holds 0, 1 more asked), but tenant {OtherName} may use 0 of 1 host (1 in maintenance).", detail);
        }
        finally
        {
            using var back = await Admin.PatchAsJsonAsync($"/api/v1/hosts/{HostId}", new { maintenance = false });
            await back.JsonAsync(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task PutApart_WouldLeaveStrictAntiAffinityGroupWithoutHosts_Returns409AndStoresNothing()
    {
        await Admin.CreateMachineAsync(PortalApi.UniqueName("dflt"));
        await FullGroupAsync();

        using var apart = await Admin.PutAsync($"/api/v1/tenants/{DefaultTenant.Id}/apart/{portal.OtherTenantId}", null);

        var detail = (await apart.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
        Assert.Contains($"Keeping tenants default and {OtherName} apart conflicts with placement group 'aa-", detail);
        Assert.EndsWith($"strict anti-affinity with 1 machines, which need 1 hosts, and the tenant could then use only 0 of 1 host (1 running machines of a tenant kept apart from it).", detail);
        using var explain = await portal.Other.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64 });
        var verdict = Assert.Single((await explain.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray());
        Assert.NotEqual("trust", verdict.TryGetProperty("filter", out var f) ? f.GetString() : null);
    }

    [Fact]
    public async Task PatchTenant_PlacementMode_OverridesAndFollowsTheCloudAgain()
    {
        try
        {
            using (var spread = await PatchOtherAsync(new { placementMode = "spread" }))
                Assert.Equal("spread", (await spread.JsonAsync(HttpStatusCode.OK)).GetProperty("placementMode").GetString());
            using var explain = await portal.Other.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64 });
            var weights = Assert.Single((await explain.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray()).GetProperty("weights");
            Assert.Contains(weights.EnumerateArray(), w => w.GetProperty("name").GetString() == "spread");
            Assert.DoesNotContain(weights.EnumerateArray(), w => w.GetProperty("name").GetString() == "pack");
            var load = Assert.Single(weights.EnumerateArray(), w => w.GetProperty("name").GetString() == "load");
            Assert.Equal("no measurement", load.GetProperty("note").GetString());
        }
        finally
        {
            using var cloud = await PatchOtherAsync(new { placementMode = "cloud" });
            Assert.Equal(JsonValueKind.Null, (await cloud.JsonAsync(HttpStatusCode.OK)).GetProperty("placementMode").ValueKind);
        }
        using var admins = await Admin.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64 });
        var cloudWeights = Assert.Single((await admins.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray()).GetProperty("weights");
        Assert.Contains(cloudWeights.EnumerateArray(), w => w.GetProperty("name").GetString() == "pack");
    }

    [Fact]
    public async Task PatchTenant_BadPlacementMode_Returns400NamingTheField()
    {
        using var response = await PatchOtherAsync(new { placementMode = "fill" });
        await response.ValidationProblemAsync("placementMode");
    }
}
