using CloudPortal.Core.Common;
using CloudPortal.Core.Networks;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

/// <summary>What a reconnecting host's convergence reads: the filters recorded on it and the groups its machines use.</summary>
public sealed class SecurityGroupHostStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task UsedOnHostAndObjectsOnHost_TwoHosts_OnlyThatHostsGroupsAndRecords()
    {
        var machines = new MachineStore(_db.Database);
        var networks = new NetworkStore(_db.Database);
        var groups = new SecurityGroupStore(_db.Database);
        var owner = (await _db.AddUserAsync(DefaultTenant.Id)).Id;
        var (hostA, hostB) = (await _db.AddHostAsync(), await _db.AddHostAsync());
        var network = await networks.InsertAsync(new TenantNetwork { Id = Guid.NewGuid(), TenantId = DefaultTenant.Id, Name = "net", Mode = NetworkModes.Nat, Cidr = "", CreatedAt = Clock.Now() },
            new SubnetPool("10.250.0.0/16"), None);
        var (onA, onB, unused) = (await NewGroupAsync(groups, "a"), await NewGroupAsync(groups, "b"), await NewGroupAsync(groups, "unused"));
        foreach (var (name, host, group) in new[] { ("ma", hostA, onA), ("mb", hostB, onB), ("mb2", hostB, onB) })
        {
            var machine = TempDatabase.NewMachine(name, DefaultTenant.Id, owner, host.Id, null, Core.Machines.MachineState.Running);
            await machines.InsertWithOperationAsync(machine, TempDatabase.NewOperation(machine), None);
            await networks.AddNicAsync(machine.Id, network, group.Id, None);
        }
        await networks.RecordOnHostAsync(unused.Id, hostA.Id, None);
        await networks.RecordOnHostAsync(network.Id, hostA.Id, None);
        await networks.RecordOnHostAsync(onB.Id, hostB.Id, None);

        Assert.Equal([onA.Id], await groups.UsedOnHostAsync(hostA.Id, None));
        Assert.Equal([onB.Id], await groups.UsedOnHostAsync(hostB.Id, None));
        Assert.Equal(new[] { unused.Id, network.Id }.Order(), (await networks.ObjectsOnHostAsync(hostA.Id, None)).Order());
        Assert.Equal([onB.Id], await networks.ObjectsOnHostAsync(hostB.Id, None));
        Assert.Empty(await groups.UsedOnHostAsync(Guid.NewGuid(), None));
    }

    private static async Task<SecurityGroup> NewGroupAsync(SecurityGroupStore store, string name)
    {
        var group = new SecurityGroup { Id = Guid.NewGuid(), TenantId = DefaultTenant.Id, Name = name, CreatedAt = Clock.Now() };
        await store.InsertAsync(group, None);
        return group;
    }
}
