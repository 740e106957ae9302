using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using LibvirtSharp;

namespace CloudPortal.Core.Tests.Integration;

/// <summary>Removes every leftover <c>cpc-*</c> domain of an earlier, interrupted run before the real-host tests start.</summary>
public sealed class RealHostSweepFixture
{
    public const string Uri = "qemu:///system";

    public RealHostSweepFixture()
    {
        using var connection = Connection.Open(Uri);
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                if (domain.Name.StartsWith(PortalHarness.Prefix, StringComparison.Ordinal))
                {
                    try { DomainRemoval.Remove(connection, domain.Uuid); } catch (LibvirtException) { }
                }
            }
        }
    }
}

/// <summary>One collection, so that the sweep runs once and no two real-host classes run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class RealHostCollection : ICollectionFixture<RealHostSweepFixture>
{
    public const string Name = "RealHost";
}

/// <summary>The truth: a real libvirtd (qemu:///system, TCG since this machine has no KVM) watched through our own connection.</summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class RealHostMachineTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PortalHarness _portal = new();
    private readonly Connection _libvirt = Connection.Open(RealHostSweepFixture.Uri);
    private Caller _member = null!;

    // Taking the fixture makes xunit sweep before the first test of the collection.
    public RealHostMachineTests(RealHostSweepFixture sweep) => Assert.NotNull(sweep);

    public async Task InitializeAsync()
    {
        await _portal.AddHostAsync(RealHostSweepFixture.Uri);
        _member = await _portal.AddCallerAsync(Roles.Member);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _libvirt.Dispose();
    }

    private DomainState? LibvirtState(Guid uuid)
    {
        using var domain = _libvirt.LookupDomainByUuid(uuid);
        return domain?.GetState().State;
    }

    private async Task<Machine> CreateRunningAsync()
    {
        var (machine, operation) = await _portal.CreateAsync(_member, new MachineRequest(PortalHarness.UniqueName(), 1, 64));
        var finished = await _portal.WaitFinishedAsync(operation.Id, TimeSpan.FromSeconds(30));
        Assert.True(finished.State == OperationState.Succeeded, $"create failed: {finished.Error}");
        return (await _portal.Machines.GetAsync(machine.Id, None))!;
    }

    [Fact]
    public void AddHostAsync_NoKvmOnThisMachine_ProbeChoosesTcg()
    {
        var status = _portal.Connections.GetStatus(_portal.Host!.Id);

        Assert.Equal(HostConnectionState.Connected, status.State);
        // Without a vendor KVM module (kvm_intel/kvm_amd) real guests stop at their boot loader under KVM: TCG it is.
        bool hardwareKvm = Directory.Exists("/sys/module/kvm_intel") || Directory.Exists("/sys/module/kvm_amd");
        Assert.Equal(File.Exists("/dev/kvm") && hardwareKvm ? status.Virtualization : VirtualizationProbe.Tcg, status.Virtualization);
        Assert.True(status.Cpus > 0);
    }

    [Fact]
    public async Task MachineLifecycle_RealHost_LibvirtFollowsEveryStep()
    {
        var machine = await CreateRunningAsync();
        Assert.Equal(MachineState.Running, machine.State);
        using (var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid))
        {
            Assert.NotNull(domain);
            Assert.Equal(DomainState.Running, domain.GetState().State);
            var xml = XDocument.Parse(domain.GetXmlDescription()).Root!;
            Assert.Equal(_portal.Connections.GetStatus(_portal.Host!.Id).Virtualization, xml.Attribute("type")?.Value);
            if (!File.Exists("/dev/kvm"))
                Assert.Equal("qemu", xml.Attribute("type")?.Value);
            Assert.Equal(64 * 1024, (int)domain.GetInfo().MaxMemoryKiB);
            Assert.StartsWith(machine.Name + "-", domain.Name);
        }

        Assert.Equal(MachineState.Paused, (await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Pause, None)).State);
        Assert.Equal(DomainState.Paused, LibvirtState(machine.DomainUuid));

        Assert.Equal(MachineState.Running, (await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Resume, None)).State);
        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));

        Assert.Equal(MachineState.Stopped, (await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Poweroff, None)).State);
        Assert.Equal(DomainState.Shutoff, LibvirtState(machine.DomainUuid));

        var delete = await _portal.Service.DeleteAsync(_member, machine.Id, None);
        Assert.Equal(OperationState.Succeeded, (await _portal.WaitFinishedAsync(delete.Id)).State);
        Assert.Null(LibvirtState(machine.DomainUuid));
        Assert.Null(await _portal.Machines.GetAsync(machine.Id, None));
    }

    [Fact]
    public async Task Reconciler_DomainUndefinedBehindPortal_MarkedMissingWithin15s()
    {
        var machine = await CreateRunningAsync();
        await _portal.StartReconcilerAsync();

        using (var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid)!)
        {
            domain.Destroy();
            domain.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram);
        }

        var seen = await _portal.WaitStateAsync(machine.Id, MachineState.Missing, TimeSpan.FromSeconds(15));
        Assert.Equal(MachineState.Missing, seen?.State);
        Assert.NotNull(seen!.LastError);
    }

    [Fact]
    public async Task Reconciler_DomainDestroyedBehindPortal_MarkedStoppedWithin3s()
    {
        var machine = await CreateRunningAsync();
        await _portal.StartReconcilerAsync();
        await Task.Delay(300); // ExecuteAsync subscribes to libvirt events on its own thread

        using (var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid)!)
            domain.Destroy();

        var seen = await _portal.WaitStateAsync(machine.Id, MachineState.Stopped, TimeSpan.FromSeconds(3));
        Assert.Equal(MachineState.Stopped, seen?.State);
        Assert.Equal(DomainState.Shutoff, LibvirtState(machine.DomainUuid));
    }
}
