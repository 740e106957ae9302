using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Quotas;
using CloudPortal.Core.Tests.Integration;

namespace CloudPortal.Core.Tests.Quotas;

/// <summary>
/// Root disks in the tenant's aggregate disk quota, on the ledger itself (real SQLite file): reserved with the create,
/// charged when the machine leaves provisioning, moved by a disk change, released by a delete or a rolled-back create,
/// and always equal to what a recompute adds up from the machines that exist.
/// </summary>
public sealed class RootDiskQuotaLedgerTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PortalHarness _harness = new();
    private Caller _member = null!;
    private Caller _admin = null!;
    private Host _host = null!;

    public async Task InitializeAsync()
    {
        var tenantId = await _harness.AddTenantAsync();
        _member = await _harness.AddCallerAsync(Roles.Member, tenantId);
        _admin = await _harness.AddCallerAsync(Roles.Admin);
        _host = new Host { Id = Guid.NewGuid(), Name = PortalHarness.UniqueName("h-"), Uri = "test:///default", CreatedAt = Clock.Now() };
        await _harness.Hosts.InsertAsync(_host, None);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Guid Tenant => _member.TenantId;

    private Task LimitAsync(QuotaLimits limits) => _harness.Quotas.SetTenantLimitsAsync(Tenant, limits, _admin, None);

    private Task<QuotaView> ViewAsync() => _harness.Quotas.GetViewAsync(Tenant, None);

    /// <summary>Records a create as MachineService does: the row, its operation and the reservation of its whole size, in one transaction.</summary>
    private async Task<Machine> CreateAsync(string name, int diskGiB, int vcpus = 1, int memoryMiB = 64)
    {
        var now = Clock.Now();
        var machine = new Machine
        {
            Id = Guid.NewGuid(), Name = name, TenantId = Tenant, OwnerId = _member.UserId, HostId = _host.Id, State = MachineState.Provisioning,
            Vcpus = vcpus, MemoryMiB = memoryMiB, DomainUuid = Guid.NewGuid(), CreatedAt = now, UpdatedAt = now, DiskGiB = diskGiB,
        };
        var operation = new Operation
        {
            Id = Guid.NewGuid(), Kind = OperationKinds.Create, TenantId = Tenant, MachineId = machine.Id, UserId = _member.UserId,
            State = OperationState.Pending, CreatedAt = now, UpdatedAt = now,
        };
        await _harness.Machines.InsertWithOperationAsync(machine, operation,
            QuotaAmounts.DefinedOf(vcpus, memoryMiB, diskGiB) + QuotaAmounts.RunningOf(vcpus, memoryMiB), new MachineSize(vcpus, memoryMiB, diskGiB), None);
        return machine;
    }

    private async Task<Machine> CreateRunningAsync(string name, int diskGiB)
    {
        var machine = await CreateAsync(name, diskGiB);
        Assert.True(await _harness.Machines.UpdateStateAsync(machine.Id, MachineState.Running, null, None));
        return machine;
    }

    private async Task AssertNoDriftAsync() => Assert.Empty(await _harness.Quotas.RecomputeAsync(Tenant, fix: false, None));

    [Fact]
    public async Task InsertWithOperationAsync_RootDisk_ReservedThenChargedOnceRunningAndReleasedByDelete()
    {
        var machine = await CreateAsync("disk", diskGiB: 4);
        var view = await ViewAsync();
        Assert.Equal((0, 4), (view.Usage.DiskGiB, view.Reserved.DiskGiB));
        Assert.Equal(4, (await _harness.Machines.GetAsync(machine.Id, None))!.DiskGiB);

        Assert.True(await _harness.Machines.UpdateStateAsync(machine.Id, MachineState.Running, null, None));
        view = await ViewAsync();
        Assert.Equal((4, 0), (view.Usage.DiskGiB, view.Reserved.DiskGiB));
        // Stopping moves the running charge only: the disk stays as long as the machine exists.
        Assert.True(await _harness.Machines.UpdateStateAsync(machine.Id, MachineState.Stopped, null, None));
        Assert.Equal(4, (await ViewAsync()).Usage.DiskGiB);
        await AssertNoDriftAsync();

        await _harness.Machines.DeleteAsync(machine.Id, None);
        view = await ViewAsync();
        Assert.Equal(QuotaAmounts.Zero, view.Usage);
        Assert.Equal(QuotaAmounts.Zero, view.Reserved);
        await AssertNoDriftAsync();
    }

    [Fact]
    public async Task InsertWithOperationAsync_RootDiskOverAggregate_RefusedNamingDiskAndNothingRecorded()
    {
        await LimitAsync(new QuotaLimits { DiskGiB = 10 });
        await CreateRunningAsync("first", diskGiB: 6);
        // Reserved creates count as used: 6 committed + 3 in flight leave 1 GiB.
        await CreateAsync("inflight", diskGiB: 3);

        var refused = await Assert.ThrowsAsync<QuotaExceededException>(() => CreateAsync("second", diskGiB: 2));

        Assert.Equal(["disk: limit 10 GiB, used 9 GiB, requested 2 GiB"], refused.Violations);
        var all = await _harness.Machines.ListAsync(Tenant, new PageRequest(100, null, null), None);
        Assert.Equal(["first", "inflight"], all.Items.Select(m => m.Name).Order(StringComparer.Ordinal));
        var view = await ViewAsync();
        Assert.Equal((6, 3), (view.Usage.DiskGiB, view.Reserved.DiskGiB));
        // What is left still fits.
        await CreateAsync("last", diskGiB: 1);
    }

    [Fact]
    public async Task DeleteAsync_RolledBackAndFailedCreates_ReleaseTheirDiskAndLeakNothing()
    {
        await LimitAsync(new QuotaLimits { DiskGiB = 8 });
        // Rolled back while provisioning (MachineService.RollBackCreateAsync deletes the row): the reservation goes with it.
        var rolledBack = await CreateAsync("rolled-back", diskGiB: 8);
        await _harness.Machines.DeleteAsync(rolledBack.Id, None);
        Assert.Equal(QuotaAmounts.Zero, (await ViewAsync()).Reserved);

        // A rollback that could not reach its host keeps the row as failed: it holds its disk until deleted.
        var failed = await CreateAsync("failed", diskGiB: 8);
        Assert.True(await _harness.Machines.UpdateStateAsync(failed.Id, MachineState.Failed, "host gone", None));
        var view = await ViewAsync();
        Assert.Equal((8, 0), (view.Usage.DiskGiB, view.Reserved.DiskGiB));
        await Assert.ThrowsAsync<QuotaExceededException>(() => CreateAsync("no-room", diskGiB: 1));
        await AssertNoDriftAsync();

        await _harness.Machines.DeleteAsync(failed.Id, None);
        Assert.Equal(QuotaAmounts.Zero, (await ViewAsync()).Usage);
        await AssertNoDriftAsync();
        await CreateAsync("room-again", diskGiB: 8);
    }

    [Fact]
    public async Task ResizeDiskAsync_Growth_ChargesTheDeltaWithinAggregateAndCapAndGoesBack()
    {
        await LimitAsync(new QuotaLimits { DiskGiB = 5, MaxMachineDiskGiB = 4 });
        var machine = await CreateRunningAsync("grow", diskGiB: 2);

        Assert.True(await _harness.Machines.ResizeDiskAsync(machine.Id, 2, 3, checkQuota: true, None));
        Assert.Equal(3, (await ViewAsync()).Usage.DiskGiB);
        Assert.Equal(3, (await _harness.Machines.GetAsync(machine.Id, None))!.DiskGiB);

        var capped = await Assert.ThrowsAsync<QuotaExceededException>(() => _harness.Machines.ResizeDiskAsync(machine.Id, 3, 5, checkQuota: true, None));
        Assert.Equal(["disk per machine: limit 4 GiB, requested 5 GiB"], capped.Violations);

        await CreateRunningAsync("other", diskGiB: 2);
        var pooled = await Assert.ThrowsAsync<QuotaExceededException>(() => _harness.Machines.ResizeDiskAsync(machine.Id, 3, 4, checkQuota: true, None));
        Assert.Equal(["disk: limit 5 GiB, used 5 GiB, requested 1 GiB"], pooled.Violations);
        Assert.Equal(3, (await _harness.Machines.GetAsync(machine.Id, None))!.DiskGiB);

        // A disk that changed meanwhile is not moved from a stale size.
        Assert.False(await _harness.Machines.ResizeDiskAsync(machine.Id, 2, 3, checkQuota: true, None));
        // The host refused the growth: the charge goes back unchecked.
        Assert.True(await _harness.Machines.ResizeDiskAsync(machine.Id, 3, 2, checkQuota: false, None));
        Assert.Equal(4, (await ViewAsync()).Usage.DiskGiB);
        await AssertNoDriftAsync();
    }

    [Fact]
    public async Task RecomputeAsync_RootDisksAcrossStates_EqualsTheRunningLedgerAndRepairsTampering()
    {
        var running = await CreateRunningAsync("running", diskGiB: 3);
        var stopped = await CreateRunningAsync("stopped", diskGiB: 5);
        Assert.True(await _harness.Machines.UpdateStateAsync(stopped.Id, MachineState.Stopped, null, None));
        await CreateAsync("provisioning", diskGiB: 7);
        var diskless = await CreateRunningAsync("diskless", diskGiB: 0);
        Assert.True(await _harness.Machines.ResizeDiskAsync(running.Id, 3, 6, checkQuota: true, None));
        await _harness.Machines.DeleteAsync(diskless.Id, None);

        var view = await ViewAsync();
        Assert.Equal((11, 7), (view.Usage.DiskGiB, view.Reserved.DiskGiB));
        await AssertNoDriftAsync();

        await using (var connection = await _harness.Database.OpenForWriteAsync(None))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE quota_usage SET disk_gib = 0 WHERE tenant_id = $tenant";
            command.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$tenant", Tenant.ToString("D")));
            await command.ExecuteNonQueryAsync();
        }
        var drift = await _harness.Quotas.RecomputeAsync(Tenant, fix: true, None);
        Assert.Equal([new QuotaDrift(QuotaResource.DiskGiB, 0, 11)], drift);
        Assert.Equal(11, (await ViewAsync()).Usage.DiskGiB);
        await AssertNoDriftAsync();
    }
}
