using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class SizeTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task Sizes_PublicAndPerTenant_EachTenantSeesPublicAndItsOwn()
    {
        var (tenantA, memberA) = await TenantWithMemberAsync();
        var (_, memberB) = await TenantWithMemberAsync();
        var publicSize = await CreateAsync(new { name = PortalApi.UniqueName("pub"), vcpus = 2, memoryMiB = 1024, diskGiB = 10 });
        var onlyA = await CreateAsync(new { name = PortalApi.UniqueName("a"), vcpus = 1, memoryMiB = 256, tenantId = tenantA });
        Assert.Equal(0, onlyA.GetProperty("diskGiB").GetInt32());
        Assert.Equal(tenantA, onlyA.GetProperty("tenantId").GetString());
        Assert.Equal(JsonValueKind.Null, publicSize.GetProperty("tenantId").ValueKind);

        var seenByA = await ListNamesAsync(memberA);
        var seenByB = await ListNamesAsync(memberB);
        Assert.Contains(publicSize.GetProperty("name").GetString(), seenByA);
        Assert.Contains(onlyA.GetProperty("name").GetString(), seenByA);
        Assert.Contains(publicSize.GetProperty("name").GetString(), seenByB);
        Assert.DoesNotContain(onlyA.GetProperty("name").GetString(), seenByB);
        Assert.Contains(onlyA.GetProperty("name").GetString(), await ListNamesAsync(Admin));

        // The same name may be public once and once per tenant, never twice in one scope.
        var name = publicSize.GetProperty("name").GetString();
        using (var duplicate = await Admin.PostAsJsonAsync("/api/v1/sizes", new { name, vcpus = 1, memoryMiB = 64 }))
            Assert.Contains("already exists", (await duplicate.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await CreateAsync(new { name, vcpus = 1, memoryMiB = 64, tenantId = tenantA });
    }

    [Fact]
    public async Task Sizes_NonAdminOrBadInput_Refused()
    {
        var (_, member) = await TenantWithMemberAsync();
        using (var forbidden = await member.PostAsJsonAsync("/api/v1/sizes", new { name = "mine", vcpus = 1, memoryMiB = 64 }))
            await forbidden.ProblemAsync(HttpStatusCode.Forbidden);
        using (var bad = await Admin.PostAsJsonAsync("/api/v1/sizes", new { name = "x", vcpus = 0, memoryMiB = 64 }))
            await bad.ValidationProblemAsync("vcpus");
        using (var noTenant = await Admin.PostAsJsonAsync("/api/v1/sizes", new { name = "x", vcpus = 1, memoryMiB = 64, tenantId = Guid.NewGuid() }))
            await noTenant.ProblemAsync(HttpStatusCode.NotFound);

        var size = await CreateAsync(new { name = PortalApi.UniqueName("del"), vcpus = 1, memoryMiB = 64 });
        var id = size.GetProperty("id").GetString();
        using (var memberDelete = await member.DeleteAsync($"/api/v1/sizes/{id}"))
            await memberDelete.ProblemAsync(HttpStatusCode.Forbidden);
        using (var delete = await Admin.DeleteAsync($"/api/v1/sizes/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var again = await Admin.DeleteAsync($"/api/v1/sizes/{id}"))
            await again.ProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(size.GetProperty("name").GetString(), await ListNamesAsync(Admin));
    }

    [Fact]
    public async Task Sizes_ManyPages_CursorWalksAllByName()
    {
        var prefix = PortalApi.UniqueName("pg");
        for (var i = 0; i < 5; i++)
            await CreateAsync(new { name = $"{prefix}-{i}", vcpus = 1, memoryMiB = 64 });
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            using var response = await Admin.GetAsync($"/api/v1/sizes?limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            var page = await response.JsonAsync(HttpStatusCode.OK);
            Assert.True(page.GetProperty("items").GetArrayLength() <= 2);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()!));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}"), seen.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }

    private async Task<JsonElement> CreateAsync(object body)
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/sizes", body);
        return await response.JsonAsync(HttpStatusCode.Created);
    }

    private static async Task<List<string>> ListNamesAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/v1/sizes?limit=500");
        return (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList();
    }

    private async Task<(string TenantId, HttpClient Member)> TenantWithMemberAsync()
    {
        using var tenant = await Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("t") });
        var tenantId = (await tenant.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var username = PortalApi.UniqueName("u");
        const string password = "size-test-password";
        using var user = await Admin.PostAsJsonAsync("/api/v1/users", new { username, password, tenantId, role = "member" });
        await user.JsonAsync(HttpStatusCode.Created);
        return (tenantId, await portal.Factory.ClientForAsync(username, password));
    }
}
