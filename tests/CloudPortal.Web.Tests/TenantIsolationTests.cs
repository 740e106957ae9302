using System.Net;
using System.Net.Http.Json;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Data;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests;

/// <summary>A portal with a second tenant ("other", one member) and a viewer in the default tenant, made through the app's own stores.</summary>
public sealed class TwoTenantPortal() : PortalFixture(PortalFactory.TestUri)
{
    public const string Password = "tenant-test-password";
    public Guid OtherTenantId { get; } = Guid.NewGuid();
    public string OtherMember { get; } = PortalApi.UniqueName("member");
    public string DefaultViewer { get; } = PortalApi.UniqueName("viewer");
    public HttpClient Other { get; private set; } = default!;
    public HttpClient Viewer { get; private set; } = default!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var services = Factory.Services;
        var database = services.GetRequiredService<SqliteDatabase>();
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync(
                "INSERT INTO tenants (id,name,created_at) VALUES (@id,@name,@at)",
                new { id = OtherTenantId.ToString("D"), name = "other-" + OtherTenantId.ToString("N")[..8], at = Clock.Now() });
        }
        var users = services.GetRequiredService<IUserStore>();
        var hashing = services.GetRequiredService<PasswordHashing>();
        await users.InsertAsync(new User
        {
            Id = Guid.NewGuid(), Username = OtherMember, PasswordHash = hashing.Hash(Password),
            Role = Roles.Member, TenantId = OtherTenantId, CreatedAt = Clock.Now(),
        }, CancellationToken.None);
        await users.InsertAsync(new User
        {
            Id = Guid.NewGuid(), Username = DefaultViewer, PasswordHash = hashing.Hash(Password),
            Role = Roles.Viewer, TenantId = DefaultTenant.Id, CreatedAt = Clock.Now(),
        }, CancellationToken.None);
        Other = await Factory.ClientForAsync(OtherMember, Password);
        Viewer = await Factory.ClientForAsync(DefaultViewer, Password);
    }

    public override async Task DisposeAsync()
    {
        Other?.Dispose();
        Viewer?.Dispose();
        await base.DisposeAsync();
    }
}

public sealed class TenantIsolationTests(TwoTenantPortal portal) : IClassFixture<TwoTenantPortal>
{
    [Fact]
    public async Task OtherTenant_AdminsMachine_Is404ForGetDeleteAndActions()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName());
        var id = machine.GetProperty("id").GetString();

        using var get = await portal.Other.GetAsync($"/api/v1/machines/{id}");
        var getProblem = await get.ProblemAsync(HttpStatusCode.NotFound);
        using var unknown = await portal.Other.GetAsync($"/api/v1/machines/{Guid.NewGuid()}");
        var unknownProblem = await unknown.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(unknownProblem.GetProperty("title").GetString(), getProblem.GetProperty("title").GetString());
        Assert.DoesNotContain(machine.GetProperty("name").GetString()!, getProblem.GetProperty("detail").GetString());

        using var delete = await portal.Other.DeleteAsync($"/api/v1/machines/{id}");
        await delete.ProblemAsync(HttpStatusCode.NotFound);
        foreach (var action in new[] { "poweroff", "pause", "shutdown", "reboot", "suspend", "start", "resume" })
        {
            using var act = await portal.Other.PostAsync($"/api/v1/machines/{id}/{action}", null);
            await act.ProblemAsync(HttpStatusCode.NotFound);
        }

        // Nothing happened to it.
        Assert.Equal("running", (await portal.Admin.GetMachineAsync(id!)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task OtherTenant_ListMachines_DoesNotContainAdminsMachine()
    {
        var machine = await portal.Admin.CreateMachineAsync(PortalApi.UniqueName());
        using var response = await portal.Other.GetAsync("/api/v1/machines?limit=500");
        var page = await response.JsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(),
            m => m.GetProperty("id").GetString() == machine.GetProperty("id").GetString());
        Assert.All(page.GetProperty("items").EnumerateArray(),
            m => Assert.Equal(portal.OtherTenantId.ToString(), m.GetProperty("tenantId").GetString()));
    }

    [Fact]
    public async Task OtherTenant_AdminsOperation_Is404()
    {
        var machine = await portal.Admin.CreateMachineAsync(PortalApi.UniqueName());
        using var response = await portal.Other.GetAsync($"/api/v1/operations/{machine.GetProperty("operationId").GetString()}");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OtherTenant_OwnMachine_IsInItsTenantAndInvisibleToDefaultViewer()
    {
        var name = PortalApi.UniqueName();
        var machine = await portal.Other.CreateRunningMachineAsync(name);
        Assert.Equal(portal.OtherTenantId.ToString(), machine.GetProperty("tenantId").GetString());

        using var viewerGet = await portal.Viewer.GetAsync($"/api/v1/machines/{machine.GetProperty("id").GetString()}");
        await viewerGet.ProblemAsync(HttpStatusCode.NotFound);

        // Machine names are unique per tenant, not across tenants.
        var sameName = await portal.Admin.CreateMachineAsync(name);
        Assert.Equal("00000000-0000-0000-0000-000000000001", sameName.GetProperty("tenantId").GetString());
    }

    [Fact]
    public async Task Viewer_PostMachines_Returns403Problem()
    {
        var name = PortalApi.UniqueName();
        using var response = await portal.Viewer.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
        await response.ProblemAsync(HttpStatusCode.Forbidden);

        using var list = await portal.Viewer.GetAsync("/api/v1/machines?limit=500");
        var page = await list.JsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), m => m.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task Viewer_ActOnOrDeleteVisibleMachine_Returns403Problem()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName());
        var id = machine.GetProperty("id").GetString();

        using var get = await portal.Viewer.GetAsync($"/api/v1/machines/{id}");
        await get.JsonAsync(HttpStatusCode.OK);
        using var act = await portal.Viewer.PostAsync($"/api/v1/machines/{id}/poweroff", null);
        await act.ProblemAsync(HttpStatusCode.Forbidden);
        using var delete = await portal.Viewer.DeleteAsync($"/api/v1/machines/{id}");
        await delete.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("running", (await portal.Admin.GetMachineAsync(id!)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task NonAdmin_PostHosts_Returns403Problem()
    {
        using var response = await portal.Other.PostAsJsonAsync("/api/v1/hosts", new { uri = "qemu+tcp://127.0.0.1:2/system" });
        await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.DoesNotContain(await portal.Admin.ListHostsAsync(), h => h.GetProperty("uri").GetString() == "qemu+tcp://127.0.0.1:2/system");
    }

}
