using System.Net;
using System.Net.Sockets;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Placement;
using LibvirtSharp;

namespace CloudPortal.Core.Tests.Integration;

/// <summary>
/// A second real host that can be cut off: qemu+tcp to a local port whose bytes this proxy carries to the local
/// libvirtd's Unix socket. <see cref="Drop"/> closes every carried connection and stops listening, which is what the
/// libvirt client sees when a remote host goes away.
/// </summary>
internal sealed class DroppableLibvirtProxy : IDisposable
{
    private const string Socket = "/var/run/libvirt/libvirt-sock";
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<System.Net.Sockets.Socket> _carried = [];
    private readonly CancellationTokenSource _stop = new();

    public DroppableLibvirtProxy()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Accepted;
    public Exception? Failure;

    public string Uri => $"qemu+tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/system";

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            System.Net.Sockets.Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref Accepted);
            var daemon = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await daemon.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
            }
            catch (Exception ex)
            {
                Failure = ex;
                throw;
            }
            lock (_carried)
                _carried.AddRange([client, daemon]);
            _ = CarryAsync(client, daemon);
            _ = CarryAsync(daemon, client);
        }
    }

    private static async Task CarryAsync(System.Net.Sockets.Socket from, System.Net.Sockets.Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        try { to.Shutdown(SocketShutdown.Both); } catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
    }

    /// <summary>The host goes away: open connections are cut and new ones refused.</summary>
    public void Drop()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_carried)
        {
            foreach (var socket in _carried)
                socket.Dispose();
            _carried.Clear();
        }
    }

    public void Dispose()
    {
        Drop();
        _stop.Dispose();
    }
}

/// <summary>
/// Placement against two real hosts (the local qemu:///system directly, and the same daemon through a proxy that can
/// drop): a host that drops while a create is in flight gets no machine, the choice is re-run; moves are checked.
/// </summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class HostDropTests : IAsyncLifetime
{
    private const string Prefix = "cpp-";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PortalHarness _portal = new();
    private readonly DroppableLibvirtProxy _proxy = new();
    private readonly Connection _libvirt = Connection.Open(RealHostSweepFixture.Uri);
    private Host _droppable = null!;
    private Host _local = null!;
    private Caller _member = null!;

    public HostDropTests(RealHostSweepFixture sweep)
    {
        Assert.NotNull(sweep);
        // Leftovers of an interrupted run of these tests (their machines are named cpp-*).
        foreach (var domain in _libvirt.ListAllDomains())
        {
            using (domain)
            {
                if (domain.Name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    try { DomainRemoval.Remove(_libvirt, domain.Uuid); } catch (LibvirtException) { }
                }
            }
        }
    }

    public async Task InitializeAsync()
    {
        var admin = await _portal.AddCallerAsync(Roles.Admin);
        // "a…" sorts first: with both hosts empty, pack's tie goes to the droppable host, so the first choice is it.
        _droppable = (await _portal.HostService.AddAsync(admin, Name("a"), _proxy.Uri, None)).Host;
        Assert.True(await _portal.Connections.WaitConnectedAsync(_droppable.Id, TimeSpan.FromSeconds(120), None),
            $"proxied host did not connect: {_portal.Connections.GetStatus(_droppable.Id)} accepted {_proxy.Accepted} {_proxy.Failure}");
        _local = await _portal.AddHostAsync(RealHostSweepFixture.Uri);
        _member = await _portal.AddCallerAsync(Roles.Member);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _proxy.Dispose();
        _libvirt.Dispose();
    }

    private static string Name(string tag) => Prefix + tag + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Create_HostDropsBeforeDefine_PlacedAgainOnTheOtherHostAndJournalSaysWhy()
    {
        _portal.Service.BeforeDefineHook = async (machine, ct) =>
        {
            if (machine.HostId != _droppable.Id)
                return;
            _proxy.Drop();
            // The session notices the cut (close event or keepalive): from then on the host is not connected.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (_portal.Connections.GetStatus(_droppable.Id).State == HostConnectionState.Connected && DateTime.UtcNow < deadline)
                await Task.Delay(100, ct);
        };

        var (machine, operation) = await _portal.CreateAsync(_member, new MachineRequest(Name("m"), 1, 64));

        Assert.Equal(_droppable.Id, machine.HostId);
        var finished = await _portal.WaitFinishedAsync(operation.Id, TimeSpan.FromSeconds(120));
        Assert.True(finished.State == OperationState.Succeeded, $"create failed: {finished.Error}");
        var stored = (await _portal.Machines.GetAsync(machine.Id, None))!;
        Assert.Equal((_local.Id, MachineState.Running), (stored.HostId, stored.State));
        using (var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid))
            Assert.Equal(DomainState.Running, domain?.GetState().State);

        var steps = await _portal.Operations.ListStepsAsync(operation.Id, None);
        var replace = steps.Where(s => s.Name == "replace").ToList();
        Assert.Equal(["started", "done"], replace.Select(s => s.State));
        Assert.Contains("dropped during the create", replace[0].Detail);
        Assert.Equal($"placed again on host {_local.Name} (1 host dropped)", replace[1].Detail);

        var recorded = (await _portal.Placement.RecordedAsync(machine.Id, None))!;
        Assert.Equal(_local.Id, recorded.Chosen!.HostId);
        var dropped = recorded.Hosts.Single(h => h.HostId == _droppable.Id);
        Assert.Equal(("connected", "host dropped while the machine was being created on it"), (dropped.Filter, dropped.Reason));
    }

    [Fact]
    public async Task CheckMove_ToTheOtherHostAndAgainstPolicies_AllowsOrRefusesNamingTheRule()
    {
        var (machine, operation) = await _portal.CreateAsync(_member, new MachineRequest(Name("mv"), 1, 64));
        Assert.Equal(OperationState.Succeeded, (await _portal.WaitFinishedAsync(operation.Id, TimeSpan.FromSeconds(120))).State);
        machine = (await _portal.Machines.GetAsync(machine.Id, None))!;
        var other = machine.HostId == _local.Id ? _droppable : _local;

        var verdict = await _portal.Placement.CheckMoveAsync(machine, other.Id, None);
        Assert.True(verdict.Eligible);

        var same = await Assert.ThrowsAsync<ConflictException>(() => _portal.Placement.CheckMoveAsync(machine, machine.HostId, None));
        Assert.Contains("is already on host", same.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => _portal.Placement.CheckMoveAsync(machine, Guid.NewGuid(), None));

        // The target dedicated to another tenant: the move is refused by the trust rule, as a new machine would be.
        var tenant = await _portal.AddTenantAsync();
        await _portal.Trust.AssignHostAsync(other.Id, tenant, None);
        await _portal.Trust.SetIsolationAsync(tenant, TenantIsolation.Dedicated, None);
        var refused = await Assert.ThrowsAsync<ConflictException>(() => _portal.Placement.CheckMoveAsync(machine, other.Id, None));
        Assert.Equal($"Machine '{machine.Name}' cannot move to host {other.Name}: trust: host {other.Name} is dedicated to another tenant.", refused.Message);

        // Maintenance on the target: refused by the state rule.
        await _portal.Trust.SetIsolationAsync(tenant, TenantIsolation.Shared, None);
        await _portal.Hosts.UpdateCapacityAsync(other.Id, HostCapacity.Of(other) with { Maintenance = true }, None);
        var maintenance = await Assert.ThrowsAsync<ConflictException>(() => _portal.Placement.CheckMoveAsync(machine, other.Id, None));
        Assert.EndsWith("connected: host is in maintenance.", maintenance.Message);
    }

    [Fact]
    public async Task CheckMove_StrictAntiAffinityMemberOntoAnotherMembersHost_Refused()
    {
        var group = new PlacementGroup { Id = Guid.NewGuid(), TenantId = _member.TenantId, Name = Name("g"), Policy = PlacementGroupPolicies.AntiAffinity, Strict = true, CreatedAt = Clock.Now() };
        await _portal.Groups.InsertAsync(group, None);
        var first = await _portal.CreateAsync(_member, new MachineRequest(Name("g1"), 1, 64, null, group.Id));
        Assert.Equal(OperationState.Succeeded, (await _portal.WaitFinishedAsync(first.Operation.Id, TimeSpan.FromSeconds(120))).State);
        var second = await _portal.CreateAsync(_member, new MachineRequest(Name("g2"), 1, 64, null, group.Id));
        Assert.Equal(OperationState.Succeeded, (await _portal.WaitFinishedAsync(second.Operation.Id, TimeSpan.FromSeconds(120))).State);
        var a = (await _portal.Machines.GetAsync(first.Machine.Id, None))!;
        var b = (await _portal.Machines.GetAsync(second.Machine.Id, None))!;
        Assert.NotEqual(a.HostId, b.HostId);
        Assert.Equal(group.Id, a.PlacementGroupId);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _portal.Placement.CheckMoveAsync(a, b.HostId, None));

        Assert.Contains($"anti-affinity: host", refused.Message);
        Assert.Contains($"already runs a machine of group {group.Name} (strict anti-affinity)", refused.Message);
    }
}
