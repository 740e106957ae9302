using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Storage;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests.Volumes;

/// <summary>A portal with its own cpv-web-* portal pool.</summary>
public sealed class VolumePortal() : OwnPoolPortal("cpv-web-")
{
    // The pool is this fixture's alone, so a leftover needs no time to prove it is one.
    protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("CloudPortal:Storage:LeftoverDiskMinimumAge", "00:00:00");

    /// <summary>The volume's capacity in bytes as libvirt reports it, or null when the pool has no such volume.</summary>
    public async Task<long?> CapacityAsync(string volumeId)
    {
        await Virsh.RunAsync("pool-refresh", Pool);
        var (code, output, _) = await Virsh.RunAsync("vol-info", "--bytes", "--pool", Pool, $"vol-{volumeId}.qcow2");
        if (code != 0)
            return null;
        var line = output.Split('\n').Single(l => l.StartsWith("Capacity:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
}

/// <summary>Data volumes on the real local libvirtd: hot-plug into a running guest, live growth, detach, and what a machine's delete does with them.</summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class VolumeRealHostTests(VolumePortal portal) : IClassFixture<VolumePortal>
{
    private const long GiB = 1L << 30;
    private HttpClient Admin => portal.Admin;

    private static string MachineName() => PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));

    private async Task<JsonElement> CreateVolumeAsync(int sizeGiB = 1) =>
        await (await Admin.PostAsJsonAsync("/api/v1/volumes", new { name = PortalApi.UniqueName("cpv"), sizeGiB })).JsonAsync(HttpStatusCode.Created);

    private async Task<JsonElement> GetVolumeAsync(string id) => await (await Admin.GetAsync($"/api/v1/volumes/{id}")).JsonAsync(HttpStatusCode.OK);

    private static async Task<string> DomainXmlAsync(string domain, bool inactive = false)
    {
        var (code, xml, error) = inactive ? await Virsh.RunAsync("dumpxml", "--inactive", domain) : await Virsh.RunAsync("dumpxml", domain);
        Assert.True(code == 0, error);
        return xml;
    }

    [Fact]
    public async Task CollectLeftovers_DisksOfNoMachineHere_RemovedAndOthersKept()
    {
        var machine = await Admin.CreateRunningMachineAsync(MachineName());
        var hostId = portal.Host.GetProperty("id").GetGuid();
        var machineDisk = $"{machine.GetProperty("domainUuid").GetString()}.qcow2";
        var dataVolume = $"vol-{(await CreateVolumeAsync()).GetProperty("id").GetString()}.qcow2";
        var orphanOverlay = $"{Guid.NewGuid():D}.qcow2";
        var orphanSeed = $"seed-{Guid.NewGuid():D}.iso";
        foreach (var (name, format) in new[] { (machineDisk, "qcow2"), (orphanOverlay, "qcow2"), (orphanSeed, "raw") })
        {
            var (code, _, error) = await Virsh.RunAsync("vol-create-as", portal.Pool, name, "1M", "--format", format);
            Assert.True(code == 0, error);
        }

        await portal.Factory.Services.GetRequiredService<OrphanDiskCollector>().CollectAsync(hostId, CancellationToken.None);

        await Virsh.RunAsync("pool-refresh", portal.Pool);
        var (_, list, _) = await Virsh.RunAsync("vol-list", "--pool", portal.Pool);
        Assert.DoesNotContain(orphanOverlay, list);
        Assert.DoesNotContain(orphanSeed, list);
        Assert.Contains(machineDisk, list);
        Assert.Contains(dataVolume, list);
        await Virsh.RunAsync("vol-delete", "--pool", portal.Pool, machineDisk);
    }

    [Fact]
    public async Task Volume_RunningMachine_HotPlugsGrowsLiveAndDetaches()
    {
        var name = MachineName();
        var machine = await Admin.CreateRunningMachineAsync(name);
        var machineId = machine.GetProperty("id").GetString()!;
        var domain = machine.GetProperty("domainUuid").GetString()!;
        var volume = await CreateVolumeAsync();
        var id = volume.GetProperty("id").GetString()!;
        Assert.Equal("available", volume.GetProperty("state").GetString());
        Assert.Equal(GiB, await portal.CapacityAsync(id));

        using var attached = await Admin.PostAsJsonAsync($"/api/v1/volumes/{id}/attach", new { machineId });
        var body = await attached.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("attached", body.GetProperty("state").GetString());
        Assert.Equal("vdb", body.GetProperty("target").GetString());
        // In the running guest and in its definition both.
        Assert.Contains($"vol-{id}.qcow2", await DomainXmlAsync(domain));
        Assert.Contains($"vol-{id}.qcow2", await DomainXmlAsync(domain, inactive: true));
        var listed = await (await Admin.GetAsync($"/api/v1/machines/{machineId}/volumes")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());

        using var refused = await Admin.DeleteAsync($"/api/v1/volumes/{id}");
        Assert.Contains(name, (await refused.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());

        using var grown = await Admin.PostAsJsonAsync($"/api/v1/volumes/{id}/grow", new { sizeGiB = 2 });
        Assert.Equal(2, (await grown.JsonAsync(HttpStatusCode.OK)).GetProperty("sizeGiB").GetInt32());
        Assert.Equal(2 * GiB, await portal.CapacityAsync(id));
        using (var shrink = await Admin.PostAsJsonAsync($"/api/v1/volumes/{id}/grow", new { sizeGiB = 1 }))
            await shrink.ValidationProblemAsync("sizeGiB");

        // The guest is firmware only: it may never acknowledge the unplug, and then the volume waits in detaching.
        using var detached = await Admin.PostAsync($"/api/v1/volumes/{id}/detach", null);
        var state = (await detached.JsonAsync(HttpStatusCode.OK)).GetProperty("state").GetString();
        Assert.Contains(state, new[] { "available", "detaching" });
        Assert.DoesNotContain($"vol-{id}.qcow2", await DomainXmlAsync(domain, inactive: true));
        if (state == "detaching")
        {
            await Admin.ActAsync(machineId, "poweroff");
            Assert.Equal("available", (await GetVolumeAsync(id)).GetProperty("state").GetString());
        }

        using var deleted = await Admin.DeleteAsync($"/api/v1/volumes/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Null(await portal.CapacityAsync(id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeleteMachine_AttachedVolume_IsRemovedUnlessKept(bool keep)
    {
        var name = MachineName();
        var machine = await Admin.CreateRunningMachineAsync(name);
        var machineId = machine.GetProperty("id").GetString()!;
        var domain = machine.GetProperty("domainUuid").GetString()!;
        await Admin.ActAsync(machineId, "poweroff");
        var id = (await CreateVolumeAsync()).GetProperty("id").GetString()!;
        using (var attached = await Admin.PostAsJsonAsync($"/api/v1/volumes/{id}/attach", new { machineId }))
            Assert.Equal("vdb", (await attached.JsonAsync(HttpStatusCode.OK)).GetProperty("target").GetString());
        Assert.Contains($"vol-{id}.qcow2", await DomainXmlAsync(domain, inactive: true));

        using var deleting = await Admin.DeleteAsync($"/api/v1/machines/{machineId}?keepVolumes={keep.ToString().ToLowerInvariant()}");
        var operation = await deleting.JsonAsync(HttpStatusCode.Accepted);
        var done = await Admin.WaitOperationAsync(operation.GetProperty("id").GetString()!, TimeSpan.FromSeconds(120));
        Assert.Equal("succeeded", done.GetProperty("state").GetString());

        if (keep)
        {
            var volume = await GetVolumeAsync(id);
            Assert.Equal("available", volume.GetProperty("state").GetString());
            Assert.Equal(JsonValueKind.Null, volume.GetProperty("machineId").ValueKind);
            Assert.Equal(GiB, await portal.CapacityAsync(id));
            Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/v1/volumes/{id}")).StatusCode);
        }
        else
        {
            await (await Admin.GetAsync($"/api/v1/volumes/{id}")).ProblemAsync(HttpStatusCode.NotFound);
            Assert.Null(await portal.CapacityAsync(id));
        }
    }

    [Fact]
    public async Task CreateAndGrow_OverQuota_Return409NamingTheLimit()
    {
        using var tenant = await Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("cpv-t") });
        var tenantId = (await tenant.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        using (var quota = await Admin.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/quota", new { volumes = 1, diskGiB = 3 }))
            Assert.True(quota.IsSuccessStatusCode, await quota.Content.ReadAsStringAsync());
        var user = PortalApi.UniqueName("cpv-u");
        using (var created = await Admin.PostAsJsonAsync("/api/v1/users", new { username = user, password = "volume-pass-1", tenantId, role = Roles.Member }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var member = await portal.Factory.ClientForAsync(user, "volume-pass-1");

        using var first = await member.PostAsJsonAsync("/api/v1/volumes", new { name = "data", sizeGiB = 2 });
        var id = (await first.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var second = await member.PostAsJsonAsync("/api/v1/volumes", new { name = "more", sizeGiB = 1 });
        Assert.Contains("volumes", (await second.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        using var grow = await member.PostAsJsonAsync($"/api/v1/volumes/{id}/grow", new { sizeGiB = 4 });
        Assert.Contains("disk", (await grow.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        Assert.Equal(2 * GiB, await portal.CapacityAsync(id));

        var usage = await (await Admin.GetAsync($"/api/v1/tenants/{tenantId}/quota")).JsonAsync(HttpStatusCode.OK);
        Assert.Contains("\"volumes\":1", usage.GetRawText().Replace(" ", ""));
        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync($"/api/v1/volumes/{id}")).StatusCode);
        Assert.Null(await portal.CapacityAsync(id));
    }
}

/// <summary>Volume input checks on the test driver: nothing is created for a bad request.</summary>
public sealed class VolumeValidationTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    [Theory]
    [InlineData("""{"name":"ok-name","sizeGiB":0}""", "sizeGiB")]
    [InlineData("""{"name":"ok-name","sizeGiB":999999}""", "sizeGiB")]
    [InlineData("""{"name":"ok-name"}""", "sizeGiB")]
    [InlineData("""{"name":"bad name!","sizeGiB":1}""", "name")]
    [InlineData("""{"name":"ok-name","sizeGiB":1,"hostId":"00000000-0000-0000-0000-0000000000aa"}""", "hostId")]
    public async Task CreateVolume_BadInput_Returns400ForTheField(string body, string field)
    {
        await (await portal.Admin.PostJsonAsync("/api/v1/volumes", body)).ValidationProblemAsync(field);
    }

    [Fact]
    public async Task AttachVolume_WithoutMachine_Returns400AndUnknownMachine404()
    {
        using var created = await portal.Admin.PostAsJsonAsync("/api/v1/volumes", new { name = PortalApi.UniqueName("v"), sizeGiB = 1 });
        var id = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        await (await portal.Admin.PostJsonAsync($"/api/v1/volumes/{id}/attach", "{}")).ValidationProblemAsync("machineId");
        await (await portal.Admin.PostAsJsonAsync($"/api/v1/volumes/{id}/attach", new { machineId = Guid.NewGuid() })).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("available", (await (await portal.Admin.GetAsync($"/api/v1/volumes/{id}")).JsonAsync(HttpStatusCode.OK)).GetProperty("state").GetString());
    }
}
