using LibvirtSharp;

namespace LibvirtSharp.Tests;

/// <summary>Storage pools and volumes on the in-memory test driver, which starts with one active dir pool.</summary>
public sealed class StorageTestDriverTests : IDisposable
{
    private readonly Connection _conn = Connection.Open("test:///default");

    public void Dispose() => _conn.Dispose();

    private static string DirPoolXml(string name) =>
        $"<pool type='dir'><name>{name}</name><target><path>/var/lib/{name}</path></target></pool>";

    [Fact]
    public void ListAllStoragePools_DefaultDriver_HasActiveDefaultPool()
    {
        var pools = _conn.ListAllStoragePools();
        try
        {
            var pool = Assert.Single(pools, p => p.Name == "default-pool");
            Assert.True(pool.IsActive);
            var info = pool.GetInfo();
            Assert.Equal(StoragePoolState.Running, info.State);
            Assert.True(info.CapacityBytes > 0);
        }
        finally
        {
            foreach (var p in pools)
                p.Dispose();
        }
    }

    [Fact]
    public void DefineStoragePoolXml_ThenStartStopUndefine_FollowsLifecycle()
    {
        using var pool = _conn.DefineStoragePoolXml(DirPoolXml("cps-lvs-life"));
        Assert.False(pool.IsActive);
        Assert.True(pool.IsPersistent);
        pool.Create();
        Assert.True(pool.IsActive);
        pool.Autostart = true;
        Assert.True(pool.Autostart);
        pool.Refresh();
        Assert.Contains("/var/lib/cps-lvs-life", pool.GetXmlDescription(), StringComparison.Ordinal);
        using (var byUuid = _conn.LookupStoragePoolByUuid(pool.Uuid))
            Assert.Equal("cps-lvs-life", byUuid!.Name);
        pool.Destroy();
        Assert.Equal(StoragePoolState.Inactive, pool.GetInfo().State);
        pool.Undefine();
        Assert.Null(_conn.LookupStoragePoolByName("cps-lvs-life"));
    }

    [Fact]
    public void LookupStoragePoolByName_Unknown_ReturnsNull() =>
        Assert.Null(_conn.LookupStoragePoolByName("cps-no-such-pool"));

    [Fact]
    public void DefineStoragePoolXml_InvalidXml_ThrowsLibvirtException()
    {
        var ex = Assert.Throws<LibvirtException>(() => _conn.DefineStoragePoolXml("<pool type='nonsense'/>"));
        Assert.Contains("virStoragePoolDefineXML", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateVolume_InDefaultPool_ListedWithCapacityThenDeleted()
    {
        using var pool = _conn.LookupStoragePoolByName("default-pool")!;
        using (var vol = pool.CreateVolume(
            "<volume><name>cps-lvs-vol.img</name><capacity unit='MiB'>64</capacity></volume>"))
        {
            Assert.Equal("cps-lvs-vol.img", vol.Name);
            Assert.Equal(64UL << 20, vol.GetInfo().CapacityBytes);
            Assert.EndsWith("cps-lvs-vol.img", vol.GetPath(), StringComparison.Ordinal);
            using var owner = vol.GetPool();
            Assert.Equal("default-pool", owner.Name);
            using var byPath = _conn.LookupStorageVolumeByPath(vol.GetPath());
            Assert.Equal(vol.Name, byPath!.Name);

            var all = pool.ListAllVolumes();
            Assert.Contains(all, v => v.Name == "cps-lvs-vol.img");
            foreach (var v in all)
                v.Dispose();

            using var copy = pool.CreateVolumeFrom(
                "<volume><name>cps-lvs-copy.img</name><capacity unit='MiB'>64</capacity></volume>", vol);
            Assert.Equal(64UL << 20, copy.GetInfo().CapacityBytes);
            copy.Delete();
            vol.Delete();
        }
        Assert.Null(pool.LookupVolumeByName("cps-lvs-vol.img"));
        Assert.Null(pool.LookupVolumeByName("cps-lvs-copy.img"));
    }

    [Fact]
    public void CreateVolume_DuplicateName_ThrowsLibvirtException()
    {
        using var pool = _conn.LookupStoragePoolByName("default-pool")!;
        const string xml = "<volume><name>cps-lvs-dup.img</name><capacity unit='MiB'>1</capacity></volume>";
        using var vol = pool.CreateVolume(xml);
        try
        {
            Assert.Throws<LibvirtException>(() => pool.CreateVolume(xml));
        }
        finally
        {
            vol.Delete();
        }
    }
}
