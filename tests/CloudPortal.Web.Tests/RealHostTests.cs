using System.Diagnostics;
using System.Net;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>
/// A portal on the real local libvirtd (qemu:///system; guests run under TCG here). Sweeps leftover cpw-* domains
/// before it starts and removes every cpw-* domain when done, whatever happened in between.
/// </summary>
public sealed class RealHostPortal() : PortalFixture(Virsh.Uri)
{
    public override async Task InitializeAsync()
    {
        await Virsh.RemoveTestDomainsAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Virsh.RemoveTestDomainsAsync();
        }
    }
}

[Trait("Category", "RealHost")]
public sealed class RealHostTests(RealHostPortal portal) : IClassFixture<RealHostPortal>
{
    private static readonly TimeSpan BehindTheBack = TimeSpan.FromSeconds(5);
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task GetHosts_LocalSystemWithoutKvm_ShowsVirtualizationTcg()
    {
        var host = Assert.Single(await Admin.ListHostsAsync(), h => h.GetProperty("uri").GetString() == Virsh.Uri);
        Assert.Equal("connected", host.GetProperty("state").GetString());
        Assert.True(host.GetProperty("cpus").GetInt32() > 0, $"{host}");
        var expected = File.Exists("/dev/kvm") ? host.GetProperty("virtualization").GetString() : "tcg";
        Assert.Equal(expected, host.GetProperty("virtualization").GetString());
        Assert.Contains(host.GetProperty("virtualization").GetString(), new[] { "kvm", "tcg" });
    }

    [Fact]
    public async Task Machine_RealGuest_LibvirtAgreesWithTheApiAtEveryStep()
    {
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        Assert.StartsWith(Virsh.TestPrefix, name);
        var created = await Admin.CreateMachineAsync(name, vcpus: 1, memoryMiB: 64);
        var id = created.GetProperty("id").GetString()!;
        var uuid = created.GetProperty("domainUuid").GetString()!;

        var operation = await Admin.WaitOperationAsync(created.GetProperty("operationId").GetString()!, TimeSpan.FromSeconds(60));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create failed: {operation}");
        Assert.Equal("running", (await Admin.GetMachineAsync(id)).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));
        var (_, domainName, _) = await Virsh.RunAsync("domname", uuid);
        Assert.StartsWith(name, domainName);
        var (_, domainType, _) = await Virsh.RunAsync("dumpxml", uuid);
        Assert.Contains(File.Exists("/dev/kvm") ? "<domain type=" : "<domain type='qemu'", domainType);

        Assert.Equal("paused", (await Admin.ActAsync(id, "pause")).GetProperty("state").GetString());
        Assert.Equal("paused", await Virsh.DomStateAsync(uuid));
        Assert.Equal("running", (await Admin.ActAsync(id, "resume")).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));
        Assert.Equal("stopped", (await Admin.ActAsync(id, "poweroff")).GetProperty("state").GetString());
        Assert.Equal("shut off", await Virsh.DomStateAsync(uuid));
        Assert.Equal("running", (await Admin.ActAsync(id, "start")).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));

        // Behind the portal's back: the API follows libvirt within seconds.
        await Virsh.RequireAsync("destroy", uuid);
        var clock = Stopwatch.StartNew();
        await Admin.WaitMachineStateAsync(id, "stopped", BehindTheBack);
        Assert.True(clock.Elapsed < BehindTheBack);
        await Virsh.RequireAsync("start", uuid);
        await Admin.WaitMachineStateAsync(id, "running", BehindTheBack);

        using var delete = await Admin.DeleteAsync($"/api/v1/machines/{id}");
        var deleting = await delete.JsonAsync(HttpStatusCode.Accepted);
        var deleted = await Admin.WaitOperationAsync(deleting.GetProperty("id").GetString()!, TimeSpan.FromSeconds(60));
        Assert.True(deleted.GetProperty("state").GetString() == "succeeded", $"delete failed: {deleted}");
        Assert.Null(await Virsh.DomStateAsync(uuid));
        Assert.DoesNotContain(await Virsh.ListAllAsync(), d => d.StartsWith(name, StringComparison.Ordinal));
        using var gone = await Admin.GetAsync($"/api/v1/machines/{id}");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Machine_DomainUndefinedBehindTheBack_ActionAnswersConflictNotServerError()
    {
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        var machine = await Admin.CreateRunningMachineAsync(name);
        var id = machine.GetProperty("id").GetString()!;
        var uuid = machine.GetProperty("domainUuid").GetString()!;

        await Virsh.RequireAsync("destroy", uuid);
        await Admin.WaitMachineStateAsync(id, "stopped", BehindTheBack);
        await Virsh.RequireAsync("undefine", uuid);
        using var start = await Admin.PostAsync($"/api/v1/machines/{id}/start", null);
        Assert.True((int)start.StatusCode is >= 400 and < 500 or 502,
            $"start of a machine whose domain is gone answered {(int)start.StatusCode}: {await start.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", start.Content.Headers.ContentType?.MediaType);

        // Deleting it still works and leaves nothing behind.
        using var delete = await Admin.DeleteAsync($"/api/v1/machines/{id}");
        var deleting = await delete.JsonAsync(HttpStatusCode.Accepted);
        var deleted = await Admin.WaitOperationAsync(deleting.GetProperty("id").GetString()!, TimeSpan.FromSeconds(60));
        Assert.Equal("succeeded", deleted.GetProperty("state").GetString());
    }
}
