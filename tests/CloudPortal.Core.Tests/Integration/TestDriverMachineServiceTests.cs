using System.Collections.Concurrent;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Storage;
using LibvirtSharp;

namespace CloudPortal.Core.Tests.Integration;

/// <summary>MachineService end to end against libvirt's in-process test driver (shared by every open in this process).</summary>
public sealed class TestDriverMachineServiceTests : IAsyncLifetime
{
    private const string TestUri = "test:///default";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PortalHarness _portal = new();
    private readonly Connection _libvirt = Connection.Open(TestUri);
    private Caller _member = null!;

    public async Task InitializeAsync()
    {
        await _portal.AddHostAsync(TestUri);
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

    private async Task<Machine> CreateRunningAsync(string? name = null)
    {
        var (machine, operation) = await _portal.CreateAsync(_member, new MachineRequest(name ?? PortalHarness.UniqueName(), 1, 64));
        var finished = await _portal.WaitFinishedAsync(operation.Id);
        Assert.True(finished.State == OperationState.Succeeded, $"create failed: {finished.Error}");
        return (await _portal.Machines.GetAsync(machine.Id, None))!;
    }

    [Fact]
    public async Task CreateAsync_TestHost_OperationSucceedsAndMachineRuns()
    {
        var changes = new ConcurrentQueue<MachineChange>();
        _portal.Events.Changed += changes.Enqueue;
        var name = PortalHarness.UniqueName();

        var (machine, operation) = await _portal.CreateAsync(_member, new MachineRequest(name, 2, 128));

        Assert.Equal(MachineState.Provisioning, machine.State);
        Assert.Equal(OperationKinds.Create, operation.Kind);
        var finished = await _portal.WaitFinishedAsync(operation.Id);
        Assert.Equal(OperationState.Succeeded, finished.State);
        Assert.Equal(100, finished.Progress);
        Assert.Null(finished.Error);
        var stored = (await _portal.Machines.GetAsync(machine.Id, None))!;
        Assert.Equal(MachineState.Running, stored.State);
        Assert.Equal((name, 2, 128, _member.UserId, DefaultTenant.Id, _portal.Host!.Id),
            (stored.Name, stored.Vcpus, stored.MemoryMiB, stored.OwnerId, stored.TenantId, stored.HostId));
        using var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid);
        Assert.NotNull(domain);
        Assert.Equal(DomainXmlBuilder.DomainName(machine), domain.Name);
        Assert.Equal(DomainState.Running, domain.GetState().State);
        var metadata = PortalMetadata.TryParse(domain.GetMetadataElement(PortalMetadata.NamespaceUri));
        Assert.Equal(new PortalMetadata(_portal.Installation.Id, machine.Id, DefaultTenant.Id, _member.UserId), metadata);
        Assert.Equal([MachineState.Provisioning, MachineState.Running], changes.Where(c => c.MachineId == machine.Id).Select(c => c.State));
    }

    [Fact]
    public async Task CreateAsync_TestHost_JournalStepsInOrder()
    {
        var (_, operation) = await _portal.CreateAsync(_member, new MachineRequest(PortalHarness.UniqueName(), 1, 64));
        await _portal.WaitFinishedAsync(operation.Id);

        var steps = await _portal.Operations.ListStepsAsync(operation.Id, None);

        Assert.Equal(
            [("define", "started"), ("define", "done"), ("start", "started"), ("start", "done")],
            steps.Select(s => (s.Name, s.State)));
    }

    [Fact]
    public async Task ActAsync_PauseResumePoweroffStart_PortalAndLibvirtAgree()
    {
        var machine = await CreateRunningAsync();

        var paused = await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Pause, None);
        Assert.Equal(MachineState.Paused, paused.State);
        Assert.Equal(DomainState.Paused, LibvirtState(machine.DomainUuid));

        var resumed = await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Resume, None);
        Assert.Equal(MachineState.Running, resumed.State);
        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));

        var off = await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Poweroff, None);
        Assert.Equal(MachineState.Stopped, off.State);
        Assert.Equal(DomainState.Shutoff, LibvirtState(machine.DomainUuid));
        Assert.Equal(MachineState.Stopped, (await _portal.Machines.GetAsync(machine.Id, None))!.State);

        var started = await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Start, None);
        Assert.Equal(MachineState.Running, started.State);
        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));
        Assert.Equal(MachineState.Running, (await _portal.Machines.GetAsync(machine.Id, None))!.State);
    }

    [Fact]
    public async Task ActAsync_StartAfterInterruptedSnapshotCopy_SourceGoesBackFirstAndReturnSnapshotIsRemoved()
    {
        var machine = await CreateRunningAsync();
        await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Poweroff, None);
        const string ns = "urn:cloudportal:test:interrupted-copy";
        using (var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid)!)
        {
            // What a copy whose way back failed leaves: the portal's snapshot of the real state, and the domain
            // somewhere else (here: a definition changed after that snapshot).
            using var left = domain.CreateSnapshot($"<domainsnapshot><name>{SnapshotCopy.ReturnSnapshotPrefix}{Guid.NewGuid():N}</name></domainsnapshot>");
            domain.SetMetadataElement("<marker>at the older snapshot</marker>", "t", ns, MetadataImpact.Config);
        }

        var started = await _portal.Service.ActAsync(_member, machine.Id, MachineAction.Start, None);

        Assert.Equal(MachineState.Running, started.State);
        using var after = _libvirt.LookupDomainByUuid(machine.DomainUuid)!;
        Assert.DoesNotContain(after.ListSnapshots(), s => s.Name.StartsWith(SnapshotCopy.ReturnSnapshotPrefix, StringComparison.Ordinal));
        Assert.Null(after.GetMetadataElement(ns, MetadataImpact.Config));
    }

    [Fact]
    public async Task ActAsync_ResumeWhileRunning_ConflictAndDomainUntouched()
    {
        var machine = await CreateRunningAsync();

        var ex = await Assert.ThrowsAsync<ConflictException>(() => _portal.Service.ActAsync(_member, machine.Id, MachineAction.Resume, None));

        Assert.Contains("it is running", ex.Message);
        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));
    }

    [Fact]
    public async Task CreateAsync_SameNameTwice_ConflictAndOneMachine()
    {
        var name = PortalHarness.UniqueName();
        await CreateRunningAsync(name);

        await Assert.ThrowsAsync<ConflictException>(() => _portal.CreateAsync(_member, new MachineRequest(name, 1, 64)));

        var page = await _portal.Service.ListAsync(_member, new PageRequest(10, null), None);
        Assert.Single(page.Items, m => m.Name == name);
        Assert.Single(_libvirt.ListAllDomains().Select(d => { using (d) return d.Name; }), n => n.StartsWith(name + "-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteAsync_RunningMachine_RowAndDomainGoneOperationSucceeded()
    {
        var machine = await CreateRunningAsync();

        var operation = await _portal.Service.DeleteAsync(_member, machine.Id, None);

        Assert.Equal(OperationKinds.Delete, operation.Kind);
        var finished = await _portal.WaitFinishedAsync(operation.Id);
        Assert.Equal(OperationState.Succeeded, finished.State);
        Assert.Null(await _portal.Machines.GetAsync(machine.Id, None));
        Assert.Null(LibvirtState(machine.DomainUuid));
        Assert.Null(_libvirt.LookupDomainByName(DomainXmlBuilder.DomainName(machine)));
        var steps = await _portal.Operations.ListStepsAsync(operation.Id, None);
        Assert.Equal(["undefine", "undefine", "forget", "forget"], steps.Select(s => s.Name));
        await Assert.ThrowsAsync<NotFoundException>(() => _portal.Service.GetAsync(_member, machine.Id, None));
    }

    [Fact]
    public async Task DeleteAsync_WhileDeleting_Conflict()
    {
        var machine = await CreateRunningAsync();
        await _portal.Machines.UpdateStateAsync(machine.Id, MachineState.Deleting, null, None);

        await Assert.ThrowsAsync<ConflictException>(() => _portal.Service.DeleteAsync(_member, machine.Id, None));

        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));
    }

    /// <summary>
    /// A trailing newline once slipped through the name rule ('$' matches before a final newline) and reached
    /// libvirt, which refused the XML; now the rule refuses it before anything is recorded or defined.
    /// </summary>
    [Fact]
    public async Task CreateAsync_NameWithTrailingNewline_RefusedBeforeAnythingIsRecorded()
    {
        var name = PortalHarness.UniqueName();

        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => _portal.CreateAsync(_member, new MachineRequest(name + "\n", 1, 64)));

        Assert.True(ex.Errors.ContainsKey("name"));
        var page = await _portal.Machines.ListAsync(null, new PageRequest(500, null, name), None);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task RollBackCreateAsync_AfterDefineAndStart_DomainAndRowGoneOperationFailed()
    {
        // A create that got past define and start, then failed: what RunCreateAsync does on any error after define.
        var machine = await CreateRunningAsync();
        var operation = (await _portal.Operations.ListByMachineAsync(machine.Id, 1, None)).Single();
        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));

        await _portal.Service.RollBackCreateAsync(machine, operation.Id, "start refused: no room", None);

        Assert.Null(LibvirtState(machine.DomainUuid));
        Assert.Null(await _portal.Machines.GetAsync(machine.Id, None));
        var failed = (await _portal.Operations.GetAsync(operation.Id, None))!;
        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Equal("start refused: no room", failed.Error);
        Assert.Equal(("rollback", "done"), (await _portal.Operations.ListStepsAsync(operation.Id, None)).Select(s => (s.Name, s.State)).Last());
    }

    [Fact]
    public async Task GetAsync_CallerOfOtherTenant_NotFoundNotForbidden()
    {
        var machine = await CreateRunningAsync();
        var stranger = await _portal.AddCallerAsync(Roles.TenantAdmin, await _portal.AddTenantAsync());

        var ex = await Assert.ThrowsAsync<NotFoundException>(() => _portal.Service.GetAsync(stranger, machine.Id, None));
        await Assert.ThrowsAsync<NotFoundException>(() => _portal.Service.ActAsync(stranger, machine.Id, MachineAction.Pause, None));
        await Assert.ThrowsAsync<NotFoundException>(() => _portal.Service.DeleteAsync(stranger, machine.Id, None));

        Assert.Contains(machine.Id.ToString(), ex.Message);
        Assert.Empty((await _portal.Service.ListAsync(stranger, new PageRequest(10, null), None)).Items);
        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));
        Assert.Equal(machine.Id, (await _portal.Service.GetAsync(_member, machine.Id, None)).Id);
    }

    [Fact]
    public async Task CreateAsync_Viewer_ForbiddenAndNothingRecorded()
    {
        var viewer = await _portal.AddCallerAsync(Roles.Viewer);

        await Assert.ThrowsAsync<ForbiddenException>(() => _portal.CreateAsync(viewer, new MachineRequest(PortalHarness.UniqueName(), 1, 64)));

        Assert.Empty((await _portal.Service.ListAsync(viewer, new PageRequest(10, null), None)).Items);
    }

    [Fact]
    public async Task ActAsync_ViewerOnOwnTenantMachine_Forbidden()
    {
        var machine = await CreateRunningAsync();
        var viewer = await _portal.AddCallerAsync(Roles.Viewer);

        await Assert.ThrowsAsync<ForbiddenException>(() => _portal.Service.ActAsync(viewer, machine.Id, MachineAction.Poweroff, None));
        await Assert.ThrowsAsync<ForbiddenException>(() => _portal.Service.DeleteAsync(viewer, machine.Id, None));

        Assert.Equal(machine.Id, (await _portal.Service.GetAsync(viewer, machine.Id, None)).Id);
        Assert.Equal(DomainState.Running, LibvirtState(machine.DomainUuid));
    }

    [Fact]
    public async Task CreateAsync_MoreVcpusThanTestHostHas_ValidationFailedOnVcpus()
    {
        // The test driver reports 16 CPUs; 17 passes the request rules but no connected host can hold it.
        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() =>
            _portal.CreateAsync(_member, new MachineRequest(PortalHarness.UniqueName(), 17, 64)));

        Assert.Equal(["vcpus"], ex.Errors.Keys);
        Assert.Contains("16", ex.Errors["vcpus"].Single());
    }

    [Fact]
    public async Task Reconciler_DomainDestroyedBehindPortal_StoppedFromLifecycleEvent()
    {
        var machine = await CreateRunningAsync();
        await _portal.StartReconcilerAsync();
        await Task.Delay(300); // ExecuteAsync subscribes to libvirt events on its own thread

        using (var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid)!)
            domain.Destroy();

        var seen = await _portal.WaitStateAsync(machine.Id, MachineState.Stopped, TimeSpan.FromSeconds(3));
        Assert.Equal(MachineState.Stopped, seen?.State);
    }

    [Fact]
    public async Task Reconciler_StartsWithDomainAlreadyGone_MarksMissing()
    {
        var machine = await CreateRunningAsync();
        DomainRemoval.Remove(_libvirt, machine.DomainUuid);

        await _portal.StartReconcilerAsync();

        var seen = await _portal.WaitStateAsync(machine.Id, MachineState.Missing, TimeSpan.FromSeconds(3));
        Assert.Equal(MachineState.Missing, seen?.State);
        Assert.Contains("outside the portal", seen!.LastError);
    }
}

public sealed class NoHostMachineServiceTests : IAsyncLifetime
{
    private readonly PortalHarness _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task CreateAsync_NoHostRegistered_HostUnavailable()
    {
        var member = await _portal.AddCallerAsync(Roles.Member);

        var ex = await Assert.ThrowsAsync<HostUnavailableException>(() =>
            _portal.Service.CreateAsync(member, new MachineRequest(PortalHarness.UniqueName(), 1, 64), CancellationToken.None));

        Assert.Contains("No host is registered", ex.Message);
    }

    [Fact]
    public async Task CreateAsync_InvalidRequest_ValidationBeforeHostChoice()
    {
        var member = await _portal.AddCallerAsync(Roles.Member);

        await Assert.ThrowsAsync<ValidationFailedException>(() =>
            _portal.Service.CreateAsync(member, new MachineRequest("bad name", 1, 64), CancellationToken.None));
    }

    [Fact]
    public async Task HostService_AddAsync_NonAdminForbidden()
    {
        var tenantAdmin = await _portal.AddCallerAsync(Roles.TenantAdmin);

        await Assert.ThrowsAsync<ForbiddenException>(() => _portal.HostService.AddAsync(tenantAdmin, null, "test:///default", CancellationToken.None));

        Assert.Empty(await _portal.Hosts.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task HostService_AddAsync_BadUriReportsUriOnly()
    {
        var admin = await _portal.AddCallerAsync(Roles.Admin);

        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => _portal.HostService.AddAsync(admin, null, "http://x", CancellationToken.None));

        Assert.Equal(["uri"], ex.Errors.Keys);
    }
}
