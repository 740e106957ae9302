using System.Threading.Channels;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Storage;

/// <summary>
/// Whenever a host (re)connects, removes the machine disks left in its pool while it was away (see
/// <see cref="MachineDisks.CollectOrphansAsync"/>): a host that dropped during a create or a delete is the only
/// place such leftovers can be found, and only once it is back. Capture copies left by a portal that died mid-capture
/// are collected too: a capture runs only in the process that started it, so after a restart none of them does.
/// </summary>
public sealed class OrphanDiskCollector(HostConnections connections, MachineDisks disks, IMachineStore machines, OperationExecutor executor,
    ILogger<OrphanDiskCollector> log)
    : BackgroundService
{
    private readonly Channel<Guid> _hosts = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Collects on one host now: a disk is kept while its machine is recorded there or its capture is at work.</summary>
    public Task<IReadOnlyList<string>> CollectAsync(Guid hostId, CancellationToken ct) =>
        disks.CollectOrphansAsync(hostId, async (domainUuid, token) =>
            (await machines.GetByDomainUuidAsync(domainUuid, token))?.HostId == hostId, executor.IsRunning, ct);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // Raised on a connection thread: only queue here.
        void OnStatus(HostStatus s)
        {
            if (s.State == HostConnectionState.Connected)
                _hosts.Writer.TryWrite(s.HostId);
        }
        connections.StatusChanged += OnStatus;
        foreach (var hostId in connections.ConnectedHostIds)
            _hosts.Writer.TryWrite(hostId);
        try
        {
            await foreach (var hostId in _hosts.Reader.ReadAllAsync(ct))
            {
                try
                {
                    var removed = await CollectAsync(hostId, ct);
                    if (removed.Count > 0)
                        log.LogInformation("Collected {Count} leftover disk volume(s) on host {HostId}", removed.Count, hostId);
                }
                catch (Exception ex) when (ex is LibvirtSharp.LibvirtException or HostUnavailableException)
                {
                    log.LogWarning("Collecting leftover disks on host {HostId} failed: {Message}", hostId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            connections.StatusChanged -= OnStatus;
        }
    }
}
