using System.Collections.Concurrent;
using LibvirtSharp;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Hosts;

/// <summary>
/// Keeps one libvirt connection per registered host, reconnects with backoff when a host or its daemon
/// goes away, and runs every libvirt call off the caller's thread.
/// </summary>
public sealed class HostConnections(VirtualizationProbe probe, ILogger<HostConnections> log) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, HostSession> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly VirtualizationProbe _probe = probe;
    private readonly ILogger<HostConnections> _log = log;

    /// <summary>Raised on the session's thread when a host connects, drops or is probed.</summary>
    public event Action<HostStatus>? StatusChanged;

    /// <summary>Raised on libvirt's event-loop thread for every domain lifecycle event of every host.</summary>
    public event Action<Guid, DomainLifecycleEvent>? DomainEvent;

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public void Start(Host host)
    {
        var session = new HostSession(host, this);
        if (_sessions.TryAdd(host.Id, session))
            session.Run(_stopping.Token);
    }

    public HostStatus GetStatus(Guid hostId) =>
        _sessions.TryGetValue(hostId, out var session) ? session.Status : HostStatus.Connecting(hostId);

    public IReadOnlyList<HostStatus> Statuses => _sessions.Values.Select(s => s.Status).ToList();

    public IReadOnlyList<Guid> ConnectedHostIds =>
        _sessions.Values.Where(s => s.Status.State == HostConnectionState.Connected).Select(s => s.Host.Id).ToList();

    /// <summary>Runs a blocking libvirt call on the thread pool against the host's live connection.</summary>
    public Task<T> RunAsync<T>(Guid hostId, Func<Connection, T> call, CancellationToken ct)
    {
        if (!_sessions.TryGetValue(hostId, out var session))
            throw new Common.HostUnavailableException($"Host {hostId} is not registered.");
        return session.RunAsync(call, ct);
    }

    public Task RunAsync(Guid hostId, Action<Connection> call, CancellationToken ct) =>
        RunAsync(hostId, connection => { call(connection); return true; }, ct);

    /// <summary>Waits until the host is connected, for start-up and tests.</summary>
    public async Task<bool> WaitConnectedAsync(Guid hostId, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (GetStatus(hostId).State == HostConnectionState.Connected)
                return true;
            await Task.Delay(50, ct);
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_sessions.Values.Select(s => s.Completion));
        _stopping.Dispose();
    }

    private sealed class HostSession(Host host, HostConnections owner)
    {
        private volatile Connection? _connection;
        private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Host Host { get; } = host;
        public HostStatus Status { get; private set; } = HostStatus.Connecting(host.Id);
        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Run(CancellationToken ct) => Completion = Task.Run(() => LoopAsync(ct), CancellationToken.None);

        public async Task<T> RunAsync<T>(Func<Connection, T> call, CancellationToken ct)
        {
            var connection = _connection
                ?? throw new Common.HostUnavailableException($"Host {Host.Name} is not connected{(Status.LastError is { } e ? ": " + e : ".")}");
            try
            {
                return await Task.Run(() => call(connection), ct);
            }
            catch (LibvirtException ex) when (ex.IsConnectionLost)
            {
                _lost.TrySetResult();
                throw new Common.HostUnavailableException($"Lost the connection to host {Host.Name}: {ex.LibvirtMessage}", ex);
            }
            catch (ObjectDisposedException ex)
            {
                throw new Common.HostUnavailableException($"The connection to host {Host.Name} was closed.", ex);
            }
        }

        private async Task LoopAsync(CancellationToken ct)
        {
            var backoff = TimeSpan.FromSeconds(1);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await ConnectAndWatchAsync(ct);
                    backoff = TimeSpan.FromSeconds(1);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    var message = ex is LibvirtException lex ? lex.LibvirtMessage : ex.Message;
                    owner._log.LogWarning("Host {Name} ({Uri}) unreachable: {Message}; retrying in {Backoff}", Host.Name, Host.Uri, message, backoff);
                    SetStatus(Status with { State = HostConnectionState.Unreachable, LastError = message, Since = Common.Clock.Now() });
                }
                try
                {
                    await Task.Delay(backoff, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, owner.MaxBackoff.Ticks));
            }
        }

        private async Task ConnectAndWatchAsync(CancellationToken ct)
        {
            _lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // virConnectOpen to a dead TCP host can hang for minutes; give up after 30 s and retry.
            var connection = await Task.Run(() => Connection.Open(Host.Uri), ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            try
            {
                using var closed = connection.SubscribeClosed(_ => _lost.TrySetResult());
                using var events = connection.SubscribeLifecycleEvents(e => owner.DomainEvent?.Invoke(Host.Id, e));
                var status = await Task.Run(() => Describe(connection), ct);
                _connection = connection;
                SetStatus(status);
                owner._log.LogInformation("Host {Name} connected: {Hypervisor}, {Virtualization}, {Cpus} CPUs, {Memory} MiB",
                    Host.Name, status.Hypervisor, status.Virtualization, status.Cpus, status.MemoryMiB);
                while (!_lost.Task.IsCompleted)
                {
                    await Task.WhenAny(_lost.Task, Task.Delay(TimeSpan.FromSeconds(5), ct));
                    ct.ThrowIfCancellationRequested();
                    if (!await Task.Run(() => connection.IsAlive, ct))
                        _lost.TrySetResult();
                }
                throw new Common.HostUnavailableException("the connection was closed");
            }
            finally
            {
                _connection = null;
                connection.Dispose();
            }
        }

        private HostStatus Describe(Connection connection)
        {
            connection.SetKeepAlive(5, 3);
            var node = connection.GetNodeInfo();
            var virtualization = owner._probe.Probe(connection, Host.Uri);
            return new HostStatus(Host.Id, HostConnectionState.Connected,
                $"{connection.GetHypervisorType()} {connection.GetHypervisorVersion()}",
                virtualization, (int)node.Cpus, (long)(node.MemoryKiB / 1024), connection.GetHostname(), null, Common.Clock.Now());
        }

        private void SetStatus(HostStatus status)
        {
            Status = status;
            try
            {
                owner.StatusChanged?.Invoke(status);
            }
            catch (Exception ex)
            {
                owner._log.LogError(ex, "A host status subscriber failed");
            }
        }
    }
}
