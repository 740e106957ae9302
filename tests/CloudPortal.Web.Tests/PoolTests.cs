using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>A portal on qemu:///system; removes cps-web-* pools (and their directories) before and after.</summary>
public sealed class StoragePortal() : PortalFixture(PortalFactory.SystemUri)
{
    public const string Prefix = "cps-web-";

    /// <summary>Low enough that any pool on this machine's root file system (itself some % used) counts as nearly full.</summary>
    public const double NearlyFullRatio = 0.01;

    public override async Task InitializeAsync()
    {
        await SweepAsync();
        Factory.ExtraConfiguration = builder => builder.UseSetting("CloudPortal:Storage:NearlyFullRatio", NearlyFullRatio.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
            await SweepAsync();
        }
    }

    public static async Task SweepAsync()
    {
        var (_, list, _) = await Virsh.RunAsync("pool-list", "--all", "--name");
        foreach (var name in list.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                     .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            await Virsh.RunAsync("pool-destroy", name);
            await Virsh.RunAsync("pool-undefine", name);
        }
        foreach (var dir in Directory.GetDirectories("/var/lib", Prefix + "*"))
            Directory.Delete(dir, recursive: true);
    }
}

[Trait("Category", "RealHost")]
public sealed class PoolTests(StoragePortal portal) : IClassFixture<StoragePortal>
{
    private HttpClient Admin => portal.Admin;
    private string HostId => portal.Host.GetProperty("id").GetString()!;

    private async Task<JsonElement> CreatePoolAsync(string name)
    {
        var response = await Admin.PostJsonAsync("/api/v1/pools",
            $$"""{"hostId":"{{HostId}}","name":"{{name}}","type":"dir","targetPath":"/var/lib/{{name}}"}""");
        return await response.JsonAsync(HttpStatusCode.Created);
    }

    private async Task<JsonElement?> FindPoolAsync(string name)
    {
        var page = await (await Admin.GetAsync($"/api/v1/pools?hostId={HostId}&limit=500")).JsonAsync(HttpStatusCode.OK);
        foreach (var pool in page.GetProperty("items").EnumerateArray())
            if (pool.GetProperty("name").GetString() == name)
                return pool;
        return null;
    }

    [Fact]
    public async Task Pool_DirOnRealHost_CreatedListedStoppedStartedRefreshedDeleted()
    {
        var name = PortalApi.UniqueName(StoragePortal.Prefix.TrimEnd('-'));
        var created = await CreatePoolAsync(name);
        Assert.Equal("running", created.GetProperty("state").GetString());
        Assert.True(created.GetProperty("capacityBytes").GetInt64() > 0);
        Assert.True(created.GetProperty("availableBytes").GetInt64() > 0);
        Assert.True(created.GetProperty("portalManaged").GetBoolean());
        // A dir pool's figures are its file system's: used above the configured threshold, so it warns.
        Assert.True(created.GetProperty("usedPercent").GetDouble() > StoragePortal.NearlyFullRatio * 100, $"{created}");
        Assert.True(created.GetProperty("nearlyFull").GetBoolean(), $"{created}");
        Assert.True(Directory.Exists($"/var/lib/{name}"));
        var (_, info, _) = await Virsh.RunAsync("pool-info", name);
        Assert.Contains("running", info, StringComparison.Ordinal);

        var listed = await FindPoolAsync(name);
        Assert.NotNull(listed);
        Assert.Equal("dir", listed.Value.GetProperty("type").GetString());

        var path = $"/api/v1/pools/{HostId}/{name}";
        var stopped = await (await Admin.PostAsync(path + "/stop", null)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("inactive", stopped.GetProperty("state").GetString());
        Assert.False(stopped.GetProperty("nearlyFull").GetBoolean());
        await (await Admin.PostAsync(path + "/stop", null)).ProblemAsync(HttpStatusCode.Conflict);
        await (await Admin.PostAsync(path + "/start", null)).JsonAsync(HttpStatusCode.OK);

        // A file put there behind libvirt's back shows up as a volume after a refresh.
        await File.WriteAllBytesAsync($"/var/lib/{name}/disk.raw", new byte[65536]);
        await (await Admin.PostAsync(path + "/refresh", null)).JsonAsync(HttpStatusCode.OK);
        var volumes = await (await Admin.GetAsync(path + "/volumes")).JsonAsync(HttpStatusCode.OK);
        var volume = Assert.Single(volumes.EnumerateArray());
        Assert.Equal("disk.raw", volume.GetProperty("name").GetString());
        Assert.Equal(65536, volume.GetProperty("capacityBytes").GetInt64());

        // Not while it holds a volume.
        await (await Admin.DeleteAsync(path)).ProblemAsync(HttpStatusCode.Conflict);
        File.Delete($"/var/lib/{name}/disk.raw");
        await (await Admin.PostAsync(path + "/refresh", null)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync(path)).StatusCode);
        Assert.False(Directory.Exists($"/var/lib/{name}"));
        Assert.Null(await FindPoolAsync(name));
        var (code, _, _) = await Virsh.RunAsync("pool-info", name);
        Assert.NotEqual(0, code);
    }

    [Fact]
    public async Task Pool_RemovedBehindThePortalsBack_ShowsMissing()
    {
        var name = PortalApi.UniqueName(StoragePortal.Prefix.TrimEnd('-'));
        await CreatePoolAsync(name);
        await Virsh.RunAsync("pool-destroy", name);
        await Virsh.RunAsync("pool-undefine", name);

        var pool = await FindPoolAsync(name);
        Assert.NotNull(pool);
        Assert.Equal("missing", pool.Value.GetProperty("state").GetString());
        // Forgetting a missing pool is allowed: there is nothing left on the host.
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/v1/pools/{HostId}/{name}")).StatusCode);
        Assert.Null(await FindPoolAsync(name));
    }

    [Fact]
    public async Task PostPool_BadInput_AnswersFieldMap()
    {
        var response = await Admin.PostJsonAsync("/api/v1/pools",
            $$"""{"hostId":"{{HostId}}","name":"bad name","type":"zfs","targetPath":"../etc"}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _), $"{problem}");
        Assert.True(errors.TryGetProperty("type", out _), $"{problem}");
        Assert.True(errors.TryGetProperty("targetPath", out _), $"{problem}");
    }

    [Fact]
    public async Task PostPool_ExistingName_Conflict()
    {
        var name = PortalApi.UniqueName(StoragePortal.Prefix.TrimEnd('-'));
        await CreatePoolAsync(name);
        var again = await Admin.PostJsonAsync("/api/v1/pools",
            $$"""{"hostId":"{{HostId}}","name":"{{name}}","type":"dir","targetPath":"/var/lib/{{name}}-2"}""");
        await again.ProblemAsync(HttpStatusCode.Conflict);
        Assert.False(Directory.Exists($"/var/lib/{name}-2"));
    }
}
