using System.Threading.Channels;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Networks;
using CloudPortal.Core.Operations;
using LibvirtSharp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Machines;

/// <summary>
/// Keeps the database in step with libvirt: on every lifecycle event, whenever a host (re)connects and on a
/// periodic sweep that catches what events miss. Also finishes operations a previous portal process left half-done.
/// </summary>
public sealed class MachineReconciler(
    HostConnections connections,
    IMachineStore machines,
    IOperationStore operations,
    OperationExecutor executor,
    MachineService service,
    InstallationIdentity installation,
    ILogger<MachineReconciler> log,
    SecurityGroupService? securityGroups = null) : BackgroundService
{
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });

    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(10);

    private abstract record Work;
    private sealed record DomainChanged(Guid HostId, Guid DomainUuid, DomainEventType Type) : Work;
    private sealed record HostConnected(Guid HostId) : Work;
    private sealed record Sweep : Work;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // Handlers run on libvirt's event-loop thread: they only queue, never block it.
        void OnDomainEvent(Guid hostId, DomainLifecycleEvent e) => _work.Writer.TryWrite(new DomainChanged(hostId, e.DomainUuid, e.Type));
        void OnStatus(HostStatus s)
        {
            if (s.State == HostConnectionState.Connected)
                _work.Writer.TryWrite(new HostConnected(s.HostId));
        }
        connections.DomainEvent += OnDomainEvent;
        connections.StatusChanged += OnStatus;
        foreach (var hostId in connections.ConnectedHostIds)
            _work.Writer.TryWrite(new HostConnected(hostId));
        using var timer = new PeriodicTimer(SweepInterval);
        var ticks = TickAsync(timer, ct);
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await HandleAsync(work, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    log.LogWarning("Reconciling {Work} failed: {Message}", work, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            connections.DomainEvent -= OnDomainEvent;
            connections.StatusChanged -= OnStatus;
            await ticks;
        }
    }

    private async Task TickAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                _work.Writer.TryWrite(new Sweep());
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task HandleAsync(Work work, CancellationToken ct) => work switch
    {
        DomainChanged d => ReconcileDomainAsync(d, ct),
        HostConnected h => OnHostConnectedAsync(h.HostId, ct),
        Sweep => SweepAsync(ct),
        _ => Task.CompletedTask,
    };

    private async Task ReconcileDomainAsync(DomainChanged change, CancellationToken ct)
    {
        var machine = await machines.GetByDomainUuidAsync(change.DomainUuid, ct);
        if (machine is null || machine.HostId != change.HostId || machine.State.IsTransitional())
            return;
        var observed = await connections.RunAsync(change.HostId, c => DomainObservation.Find(c, change.DomainUuid), ct);
        await ApplyAsync(machine, observed, ct);
    }

    private async Task OnHostConnectedAsync(Guid hostId, CancellationToken ct)
    {
        // Filters first: a rule removed while the host was away must stop letting traffic in as soon as possible, and
        // a failure here must not keep the machines from being reconciled (nor the other way round).
        if (securityGroups is not null)
        {
            try
            {
                int count = await securityGroups.ConvergeHostAsync(hostId, ct);
                log.LogInformation("Host {HostId} connected: {Count} security-group filters redefined from the database", hostId, count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                log.LogWarning("Redefining the security-group filters on host {HostId} failed: {Message}; retried when it next connects", hostId, ex.Message);
            }
        }
        await RecoverInterruptedOperationsAsync(hostId, ct);
        await ReconcileHostAsync(hostId, ct);
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        foreach (var hostId in connections.ConnectedHostIds)
        {
            try
            {
                await ReconcileHostAsync(hostId, ct);
            }
            catch (HostUnavailableException ex)
            {
                log.LogDebug("Sweep skipped host {HostId}: {Message}", hostId, ex.Message);
            }
        }
    }

    /// <summary>Compares every machine recorded on the host with the host's domains.</summary>
    public async Task ReconcileHostAsync(Guid hostId, CancellationToken ct)
    {
        // The records are read before libvirt is looked at: an observation is then never older than the state it
        // replaces, and the compare-and-set write leaves alone a machine whose state a change moved meanwhile.
        var recorded = await machines.ListByHostAsync(hostId, ct);
        var observed = await connections.RunAsync(hostId, c =>
        {
            var found = new Dictionary<Guid, DomainObservation>();
            foreach (var domain in c.ListAllDomains())
            {
                using (domain)
                {
                    try
                    {
                        var o = DomainObservation.Of(domain);
                        found[o.Uuid] = o;
                    }
                    catch (LibvirtException ex) when (ex.IsNoDomain)
                    {
                        // Undefined between the listing and the look: simply not there.
                    }
                }
            }
            return found;
        }, ct);

        foreach (var machine in recorded.Where(m => !m.State.IsTransitional()))
            await ApplyAsync(machine, observed.GetValueOrDefault(machine.DomainUuid), ct);

        var known = recorded.Select(m => m.DomainUuid).ToHashSet();
        foreach (var stray in observed.Values.Where(o => o.Metadata?.InstallationId == installation.Id && !known.Contains(o.Uuid)))
            log.LogWarning("Domain {Name} ({Uuid}) on host {HostId} carries this portal's metadata for machine {MachineId} but has no record; left alone",
                stray.Name, stray.Uuid, hostId, stray.Metadata!.MachineId);
    }

    private async Task ApplyAsync(Machine machine, DomainObservation? observed, CancellationToken ct)
    {
        if (observed is null)
        {
            if (machine.State != MachineState.Missing)
                log.LogWarning("Machine {Name} has no domain on its host any more: marked missing", machine.Name);
            await service.ReconcileStateAsync(machine, MachineState.Missing,
                "The domain was removed from its host outside the portal.", ct);
            return;
        }
        await service.ReconcileStateAsync(machine, observed.State, null, ct);
    }

    /// <summary>
    /// Operations journaled as unfinished whose process is gone: a create is rolled back (its domain and row removed),
    /// a delete is carried through.
    /// </summary>
    private async Task RecoverInterruptedOperationsAsync(Guid hostId, CancellationToken ct)
    {
        foreach (var operation in await operations.ListUnfinishedAsync(ct))
        {
            if (executor.IsRunning(operation.Id) || operation.MachineId is not { } machineId)
                continue;
            var machine = await machines.GetAsync(machineId, ct);
            if (machine is null)
            {
                await operations.FinishAsync(operation.Id, OperationState.Failed, "Interrupted by a portal restart; nothing was left behind.", ct);
                continue;
            }
            if (machine.HostId != hostId)
                continue;
            log.LogWarning("Resuming interrupted {Kind} operation {Id} for machine {Name}", operation.Kind, operation.Id, machine.Name);
            switch (operation.Kind)
            {
                case OperationKinds.Create:
                    await service.RollBackCreateAsync(machine, operation.Id, "Interrupted by a portal restart; rolled back.", ct);
                    break;
                case OperationKinds.Delete:
                    await service.RunDeleteAsync(machine, operation.Id, ct);
                    break;
                case OperationKinds.Shutdown:
                    await service.RecoverShutdownAsync(machine, operation.Id, ct);
                    break;
                default:
                    await operations.FinishAsync(operation.Id, OperationState.Failed, "Interrupted by a portal restart.", ct);
                    break;
            }
        }
    }
}
