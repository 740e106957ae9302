using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Bunit;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Placement;
using CloudPortal.Core.Tenancy;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using CloudPortal.Web.Placement;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace CloudPortal.Web.Tests;

/// <summary>The placement pages rendered with bUnit over the real services of a running portal (test driver host).</summary>
public sealed class PlacementPagesTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    /// <summary>A bUnit context signed in as the portal's administrator, acting in the default tenant.</summary>
    private Task<BunitContext> ContextAsync() =>
        PortalBunit.SignedInAsync(portal.Factory.Services, "admin", Roles.Admin,
            typeof(TenantService), typeof(TrustService), typeof(IHostStore), typeof(HostPlacement), typeof(PlacementGroupService));

    [Fact]
    public async Task TrustPage_AssignedHostAndApartPair_AreShown()
    {
        var hostId = portal.Host.GetProperty("id").GetString();
        var hostName = portal.Host.GetProperty("name").GetString();
        var otherName = "other-" + portal.OtherTenantId.ToString("N")[..8];
        using (var assign = await portal.Admin.PutAsync($"/api/v1/hosts/{hostId}/tenants/{portal.OtherTenantId}", null))
            Assert.Equal(HttpStatusCode.NoContent, assign.StatusCode);
        using (var apart = await portal.Admin.PutAsync($"/api/v1/tenants/{DefaultTenant.Id}/apart/{portal.OtherTenantId}", null))
            Assert.Equal(HttpStatusCode.NoContent, apart.StatusCode);
        try
        {
            await using var context = await ContextAsync();
            var page = context.Render<TrustPage>();

            page.WaitForAssertion(() => Assert.Contains(hostName!, page.Find($"[data-testid=assigned-{otherName}-{hostName}]").TextContent), TimeSpan.FromSeconds(10));
            var apartRows = page.Find("[data-testid=apart-table]").QuerySelectorAll("tbody tr");
            var row = Assert.Single(apartRows);
            Assert.Contains(otherName, row.TextContent);
            Assert.Contains("default", row.TextContent);
        }
        finally
        {
            using var together = await portal.Admin.DeleteAsync($"/api/v1/tenants/{DefaultTenant.Id}/apart/{portal.OtherTenantId}");
            using var unassign = await portal.Admin.DeleteAsync($"/api/v1/hosts/{hostId}/tenants/{portal.OtherTenantId}");
        }
    }

    [Fact]
    public async Task PlacementGroupsPage_ListsMembersAndCreatesAGroup()
    {
        var groupName = PortalApi.UniqueName("pg");
        using (var created = await portal.Admin.PostAsJsonAsync("/api/v1/placement-groups", new { name = groupName, policy = "affinity", strict = false }))
        {
            var group = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
            var machine = PortalApi.UniqueName("pgm");
            using var member = await portal.Admin.PostAsJsonAsync("/api/v1/machines", new { name = machine, vcpus = 1, memoryMiB = 64, placementGroupId = group });
            await member.JsonAsync(HttpStatusCode.Accepted);

            await using var context = await ContextAsync();
            var page = context.Render<PlacementGroupsPage>();

            page.WaitForAssertion(() => Assert.Equal(machine, page.Find($"[data-testid=members-{groupName}]").TextContent.Trim()), TimeSpan.FromSeconds(10));

            var newName = PortalApi.UniqueName("pgnew");
            page.Find("input[data-testid=group-name], [data-testid=group-name] input").Change(newName);
            page.Find("[data-testid=create-group]").Click();
            page.WaitForAssertion(() => Assert.Equal("none", page.Find($"[data-testid=members-{newName}]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        }
        using var list = await portal.Admin.GetAsync("/api/v1/placement-groups");
        Assert.Contains((await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            g => g.GetProperty("policy").GetString() == "anti-affinity" && g.GetProperty("strict").GetBoolean() && g.GetProperty("name").GetString()!.StartsWith("pgnew-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlacementTable_EligibleHost_ShowsEachWeighersPartAndNoMeasurement()
    {
        var host = Guid.NewGuid();
        var explanation = new PlacementExplanation([new HostVerdict(host, "h1", true, null, null, 1.125)
        {
            Weights = [new WeigherScore("pack", 1.0, 1.0, null), new WeigherScore("load", 0.25, 0.5, "no measurement")],
        }]);
        await using var context = await ContextAsync();

        var table = context.Render<PlacementTable>(p => p.Add(t => t.Explanation, explanation));

        Assert.Equal("pack 1 × 1, load 0.5 × 0.25 (no measurement)", table.Find("[data-testid=placement-weights-h1]").TextContent.Trim());
    }
}
