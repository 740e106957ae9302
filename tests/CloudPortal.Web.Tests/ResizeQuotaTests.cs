using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>Resize against the tenant's quota and caps, on libvirt's in-memory driver (the ledger is what is tested).</summary>
public sealed class ResizeQuotaTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task Resize_GrowthOverQuotaOrCap_409AndNothingChanges_WithinQuota_UsageMovesByTheDelta()
    {
        var (tenantId, member) = await TenantWithMemberAsync();
        var machine = await member.CreateRunningMachineAsync(PortalApi.UniqueName("rq"), vcpus: 1, memoryMiB: 64);
        var id = machine.GetProperty("id").GetString()!;
        await member.ActAsync(id, "poweroff");
        using (var quota = await Admin.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/quota", new { vcpus = 2, maxMachineMemoryMiB = 256 }))
            await quota.JsonAsync(HttpStatusCode.OK);

        var overPool = await ResizeAsync(member, id, new { vcpus = 3 }, HttpStatusCode.Conflict);
        Assert.Contains("vcpus: limit 2, used 1", overPool.GetProperty("detail").GetString());
        var overCap = await ResizeAsync(member, id, new { memoryMiB = 512 }, HttpStatusCode.Conflict);
        Assert.Contains("memory per machine: limit 256 MiB", overCap.GetProperty("detail").GetString());
        var unchanged = await member.GetMachineAsync(id);
        Assert.Equal((1, 64), (unchanged.GetProperty("vcpus").GetInt32(), unchanged.GetProperty("memoryMiB").GetInt32()));
        Assert.Equal((1L, 64L), await DefinedUsageAsync(tenantId));

        var resized = await ResizeAsync(member, id, new { vcpus = 2, memoryMiB = 192 }, HttpStatusCode.OK);
        Assert.Equal((2, 192), (resized.GetProperty("vcpus").GetInt32(), resized.GetProperty("memoryMiB").GetInt32()));
        Assert.Equal((2L, 192L), await DefinedUsageAsync(tenantId));
        // A shrink always fits, and gives the quota back.
        await ResizeAsync(member, id, new { vcpus = 1, memoryMiB = 64 }, HttpStatusCode.OK);
        Assert.Equal((1L, 64L), await DefinedUsageAsync(tenantId));

        using var recompute = await Admin.PostAsync($"/api/v1/tenants/{tenantId}/quota/recompute", null);
        Assert.True((await recompute.JsonAsync(HttpStatusCode.OK)).GetProperty("consistent").GetBoolean());

        // Every attempt is in the machine's history, refused ones as failed.
        using var history = await member.GetAsync($"/api/v1/machines/{id}/operations");
        var kinds = (await history.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Select(o => (o.GetProperty("kind").GetString(), o.GetProperty("state").GetString())).ToList();
        Assert.Equal(2, kinds.Count(k => k == ("resize", "succeeded")));
        Assert.Equal(2, kinds.Count(k => k == ("resize", "failed")));
    }

    private static async Task<JsonElement> ResizeAsync(HttpClient client, string id, object body, HttpStatusCode expected)
    {
        using var response = await client.PostAsJsonAsync($"/api/v1/machines/{id}/resize", body);
        return expected == HttpStatusCode.OK ? await response.JsonAsync(expected) : await response.ProblemAsync(expected);
    }

    private async Task<(long Vcpus, long MemoryMiB)> DefinedUsageAsync(string tenantId)
    {
        using var response = await Admin.GetAsync($"/api/v1/tenants/{tenantId}/quota");
        var defined = (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("usage").GetProperty("defined");
        return (defined.GetProperty("vcpus").GetInt64(), defined.GetProperty("memoryMiB").GetInt64());
    }

    private async Task<(string TenantId, HttpClient Member)> TenantWithMemberAsync()
    {
        using var tenant = await Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("t") });
        var tenantId = (await tenant.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var username = PortalApi.UniqueName("u");
        const string password = "resize-test-password";
        using var user = await Admin.PostAsJsonAsync("/api/v1/users", new { username, password, tenantId, role = "member" });
        await user.JsonAsync(HttpStatusCode.Created);
        return (tenantId, await portal.Factory.ClientForAsync(username, password));
    }
}
