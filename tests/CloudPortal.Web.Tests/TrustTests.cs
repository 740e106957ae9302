using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>Tenant isolation (exclusive, dedicated) and tenants kept apart, on the test driver's one host.</summary>
public sealed class TrustTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    private HttpClient Admin => portal.Admin;
    private string HostId => portal.Host.GetProperty("id").GetString()!;
    private string HostName => portal.Host.GetProperty("name").GetString()!;

    private async Task<JsonElement> SetIsolationAsync(Guid tenantId, string isolation)
    {
        using var response = await Admin.PatchAsJsonAsync($"/api/v1/tenants/{tenantId}", new { isolation });
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    private static async Task<JsonElement> ExplainAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/placement/explain", new { vcpus = 1, memoryMiB = 64 });
        return Assert.Single((await response.JsonAsync(HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray());
    }

    /// <summary>The default tenant has a machine on the host, so the other tenant would share it.</summary>
    private Task DefaultTenantMachineAsync() => Admin.CreateMachineAsync(PortalApi.UniqueName("dflt"));

    [Fact]
    public async Task PatchTenant_Isolation_IsStoredAndShown()
    {
        try
        {
            Assert.Equal("exclusive", (await SetIsolationAsync(portal.OtherTenantId, "exclusive")).GetProperty("isolation").GetString());
            using var response = await Admin.GetAsync($"/api/v1/tenants/{portal.OtherTenantId}");
            Assert.Equal("exclusive", (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("isolation").GetString());
        }
        finally
        {
            await SetIsolationAsync(portal.OtherTenantId, "shared");
        }
    }

    [Theory]
    [InlineData("""{"isolation":"private"}""")]
    [InlineData("""{"isolation":""}""")]
    [InlineData("""{"isolation":"Exclusive"}""")]
    public async Task PatchTenant_BadIsolation_Returns400NamingTheField(string json)
    {
        using var response = await Admin.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/tenants/{portal.OtherTenantId}")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        });
        await response.ValidationProblemAsync("isolation");
    }

    [Fact]
    public async Task Explain_ExclusiveTenantOnSharedHost_DroppedByTrustWithoutNamingTheOthers()
    {
        await DefaultTenantMachineAsync();
        await SetIsolationAsync(portal.OtherTenantId, "exclusive");
        try
        {
            var verdict = await ExplainAsync(portal.Other);
            Assert.False(verdict.GetProperty("eligible").GetBoolean());
            Assert.Equal("trust", verdict.GetProperty("filter").GetString());
            var reason = verdict.GetProperty("reason").GetString()!;
            Assert.Matches($"^tenant other-[0-9a-f]+ is exclusive and host {HostName} runs machines of 1 other tenant$", reason);
            Assert.DoesNotContain("default", reason, StringComparison.OrdinalIgnoreCase);

            using var refused = await portal.Other.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("excl"), vcpus = 1, memoryMiB = 64 });
            Assert.Contains("is exclusive", (await refused.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        }
        finally
        {
            await SetIsolationAsync(portal.OtherTenantId, "shared");
        }
        Assert.True((await ExplainAsync(portal.Other)).GetProperty("eligible").GetBoolean());
    }

    [Fact]
    public async Task Explain_DedicatedTenant_OnlyItsAssignedHostAndNobodyElseThere()
    {
        await DefaultTenantMachineAsync();
        // Assigned first: a tenant cannot be made dedicated while no host is assigned to it (a conflict, see PolicyConflictTests).
        using (var assign = await Admin.PutAsync($"/api/v1/hosts/{HostId}/tenants/{portal.OtherTenantId}", null))
            Assert.Equal(HttpStatusCode.NoContent, assign.StatusCode);
        try
        {
            // An assignment to a tenant that is not dedicated reserves nothing.
            Assert.True((await ExplainAsync(Admin)).GetProperty("eligible").GetBoolean());
            await SetIsolationAsync(portal.OtherTenantId, "dedicated");
            Assert.True((await ExplainAsync(portal.Other)).GetProperty("eligible").GetBoolean());
            var admins = await ExplainAsync(Admin);
            Assert.Equal($"host {HostName} is dedicated to another tenant", admins.GetProperty("reason").GetString());

            using var twice = await Admin.PutAsync($"/api/v1/hosts/{HostId}/tenants/{DefaultTenant.Id}", null);
            await twice.ProblemAsync(HttpStatusCode.Conflict);
        }
        finally
        {
            await SetIsolationAsync(portal.OtherTenantId, "shared");
            using var unassign = await Admin.DeleteAsync($"/api/v1/hosts/{HostId}/tenants/{portal.OtherTenantId}");
            Assert.Equal(HttpStatusCode.NoContent, unassign.StatusCode);
        }
        Assert.True((await ExplainAsync(Admin)).GetProperty("eligible").GetBoolean());
    }

    [Fact]
    public async Task Explain_TenantsKeptApart_DropsHostHoldingTheOther()
    {
        await DefaultTenantMachineAsync();
        using (var apart = await Admin.PutAsync($"/api/v1/tenants/{DefaultTenant.Id}/apart/{portal.OtherTenantId}", null))
            Assert.Equal(HttpStatusCode.NoContent, apart.StatusCode);
        try
        {
            var verdict = await ExplainAsync(portal.Other);
            Assert.Equal("trust", verdict.GetProperty("filter").GetString());
            Assert.EndsWith($"is kept apart from another tenant with machines on host {HostName}", verdict.GetProperty("reason").GetString());
        }
        finally
        {
            // Stored once per pair: removing it named the other way round removes it.
            using var together = await Admin.DeleteAsync($"/api/v1/tenants/{portal.OtherTenantId}/apart/{DefaultTenant.Id}");
            Assert.Equal(HttpStatusCode.NoContent, together.StatusCode);
        }
        Assert.True((await ExplainAsync(portal.Other)).GetProperty("eligible").GetBoolean());
    }

    [Fact]
    public async Task PutApart_SameTenantTwice_Returns409()
    {
        using var response = await Admin.PutAsync($"/api/v1/tenants/{portal.OtherTenantId}/apart/{portal.OtherTenantId}", null);
        await response.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task TrustEndpoints_NonAdmin_Returns403()
    {
        using var assign = await portal.Other.PutAsync($"/api/v1/hosts/{HostId}/tenants/{portal.OtherTenantId}", null);
        await assign.ProblemAsync(HttpStatusCode.Forbidden);
        using var apart = await portal.Other.PutAsync($"/api/v1/tenants/{portal.OtherTenantId}/apart/{DefaultTenant.Id}", null);
        await apart.ProblemAsync(HttpStatusCode.Forbidden);
    }
}
