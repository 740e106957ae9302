using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Bunit;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Tenancy;
using CloudPortal.Core.Volumes;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Tests.Infrastructure;
using CloudPortal.Web.Volumes;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using VolumesPage = CloudPortal.Web.Components.Pages.Volumes;

namespace CloudPortal.Web.Tests.Volumes;

/// <summary>bUnit contexts over a running portal's volume services, and the API calls the live-page tests make.</summary>
public static class VolumePageContext
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A bUnit context signed in as <paramref name="username"/> with <paramref name="role"/> in the default tenant.</summary>
    public static Task<BunitContext> CreateAsync(IServiceProvider services, string username, string role) =>
        PortalBunit.SignedInAsync(services, username, role,
            typeof(VolumeService), typeof(VolumeEvents), typeof(MachineService), typeof(MachineEvents), typeof(HostService));

    public static async Task<string> CreateVolumeAsync(HttpClient client, string name)
    {
        using var created = await client.PostAsJsonAsync("/api/v1/volumes", new { name, sizeGiB = 1 });
        return (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }
}

/// <summary>
/// The volumes page, rendered with bUnit over the real services of a running portal (test driver host), follows volume
/// changes made through the API without a reload: its own tenant's, and every tenant's for an administrator only.
/// </summary>
public sealed class VolumePagesTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    private static IReadOnlyList<string> Names(IRenderedComponent<VolumesPage> page) =>
        page.FindAll("[data-testid=volume-row-name]").Select(c => c.TextContent.Trim()).ToList();

    private static IRenderedComponent<VolumesPage> Open(BunitContext context)
    {
        var page = context.Render<VolumesPage>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=volumes-table]")), VolumePageContext.Patience);
        return page;
    }

    [Fact]
    public async Task VolumesPage_VolumeCreatedAndDeletedThroughApi_FollowsWithoutReloadAndNotOtherTenants()
    {
        await using var context = await VolumePageContext.CreateAsync(portal.Factory.Services, portal.DefaultViewer, Roles.Viewer);
        var page = Open(context);

        var otherName = PortalApi.UniqueName("vo");
        await VolumePageContext.CreateVolumeAsync(portal.Other, otherName);
        var name = PortalApi.UniqueName("vp");
        var id = await VolumePageContext.CreateVolumeAsync(portal.Admin, name);
        page.WaitForAssertion(() => Assert.Contains(name, Names(page)), VolumePageContext.Patience);
        Assert.DoesNotContain(otherName, Names(page));

        // Growing needs a real storage driver (the test driver cannot resize): VolumeTabLiveTests grows one.
        using (var deleted = await portal.Admin.DeleteAsync($"/api/v1/volumes/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        page.WaitForAssertion(() => Assert.DoesNotContain(name, Names(page)), VolumePageContext.Patience);
        Assert.DoesNotContain(otherName, Names(page));
    }

    [Fact]
    public async Task VolumesPage_Administrator_SeesAnotherTenantsVolumeLive()
    {
        await using var context = await VolumePageContext.CreateAsync(portal.Factory.Services, "admin", Roles.Admin);
        var page = Open(context);

        var otherName = PortalApi.UniqueName("va");
        await VolumePageContext.CreateVolumeAsync(portal.Other, otherName);

        page.WaitForAssertion(() => Assert.Contains(otherName, Names(page)), VolumePageContext.Patience);
    }
}

/// <summary>A qemu:///system portal with its own cpy-web-* pool; its machines (and so domains) are named cpy-*.</summary>
public sealed class VolumeTabPortal() : OwnPoolPortal("cpy-web-", "cpy-");

/// <summary>The machine page's Volumes tab follows attach, growth and detach made through the API, on the real local libvirtd.</summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class VolumeTabLiveTests(VolumeTabPortal portal) : IClassFixture<VolumeTabPortal>
{
    [Fact]
    public async Task VolumesTab_VolumeAttachedGrownAndDetachedThroughApi_FollowsWithoutReload()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName("cpy"));
        var machineId = machine.GetProperty("id").GetGuid();
        // Stopped: the attach and detach are the definition's alone, so the firmware-only guest cannot hold the disk.
        await portal.Admin.ActAsync(machineId.ToString(), "poweroff");
        var name = PortalApi.UniqueName("cpyv");
        var id = await VolumePageContext.CreateVolumeAsync(portal.Admin, name);
        var admin = (await portal.Factory.Services.GetRequiredService<IUserStore>().FindByUsernameAsync("admin", CancellationToken.None))!;
        await using var context = await VolumePageContext.CreateAsync(portal.Factory.Services, "admin", Roles.Admin);
        var tab = context.Render<VolumesTab>(p => p
            .Add(t => t.MachineId, machineId)
            .Add(t => t.Caller, new Caller(admin.Id, admin.Username, DefaultTenant.Id, Roles.Admin)));
        tab.WaitForAssertion(() => Assert.NotNull(tab.Find("[data-testid=machine-volumes-none]")), VolumePageContext.Patience);

        using (var attached = await portal.Admin.PostAsJsonAsync($"/api/v1/volumes/{id}/attach", new { machineId }))
            await attached.JsonAsync(HttpStatusCode.OK);
        tab.WaitForAssertion(() => Assert.Contains(name, tab.Find("[data-testid=machine-volumes]").TextContent), VolumePageContext.Patience);

        using (var grown = await portal.Admin.PostAsJsonAsync($"/api/v1/volumes/{id}/grow", new { sizeGiB = 2 }))
            await grown.JsonAsync(HttpStatusCode.OK);
        tab.WaitForAssertion(() => Assert.Contains("2 GiB", tab.Find("[data-testid=machine-volumes]").TextContent), VolumePageContext.Patience);

        using (var detached = await portal.Admin.PostAsync($"/api/v1/volumes/{id}/detach", null))
            Assert.Equal("available", (await detached.JsonAsync(HttpStatusCode.OK)).GetProperty("state").GetString());
        tab.WaitForAssertion(() => Assert.DoesNotContain(name, tab.Find("[data-testid=machine-volumes]").TextContent), VolumePageContext.Patience);

        using var deleted = await portal.Admin.DeleteAsync($"/api/v1/volumes/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}
