using CloudPortal.Core.Placement;
using Microsoft.Extensions.Options;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Data;
using CloudPortal.Data.Stores;
using LibvirtSharp;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudPortal.Core.Tests.Integration;

/// <summary>
/// The portal's services wired by hand as web/CloudPortal.Web/Hosting/HostingExtensions.cs does, over a real
/// SQLite file in a fresh temp directory. Every machine created through it has its domain removed on dispose,
/// even when the test failed.
/// </summary>
public sealed class PortalHarness : IAsyncDisposable
{
    public const string Prefix = "cpc-";
    private readonly List<(string Uri, Guid DomainUuid)> _domains = [];
    private readonly List<MachineReconciler> _reconcilers = [];

    public PortalHarness()
    {
        Directory = Path.Combine(Path.GetTempPath(), Prefix + "db-" + Guid.NewGuid().ToString("N"));
        Database = new SqliteDatabase(Path.Combine(Directory, "cloudportal.db"));
        DatabaseMigrator.Migrate(Database);
        Machines = new MachineStore(Database);
        Operations = new OperationStore(Database);
        Hosts = new HostStore(Database);
        Users = new UserStore(Database);
        Connections = new HostConnections(new VirtualizationProbe(NullLogger<VirtualizationProbe>.Instance), NullLogger<HostConnections>.Instance);
        Executor = new OperationExecutor(NullLogger<OperationExecutor>.Instance);
        Events = new MachineEvents(NullLogger<MachineEvents>.Instance);
        Installation = new InstallationIdentity(Guid.NewGuid());
        Audit = new AuditLog(new AuditStore(Database), NullLogger<AuditLog>.Instance);
        Quotas = new QuotaStore(Database);
        Trust = new TrustStore(Database);
        Groups = new PlacementGroupStore(Database);
        Placement = new HostPlacement(Hosts, Machines, Connections, new PlacementStore(Database), Trust, Groups,
            Options.Create(new PlacementOptions()), NoHostLoadSource.Instance);
        Service = new MachineService(Machines, Operations, Connections, Executor, Events, Installation, Audit, Quotas,
            Placement, new PolicyConflicts(Trust, Groups, Placement), NullLogger<MachineService>.Instance);
        HostService = new HostService(Hosts, Machines, Connections, Audit);
    }

    public string Directory { get; }
    public TrustStore Trust { get; }
    public PlacementGroupStore Groups { get; }
    public HostPlacement Placement { get; }
    public AuditLog Audit { get; }
    public QuotaStore Quotas { get; }
    public SqliteDatabase Database { get; }
    public MachineStore Machines { get; }
    public OperationStore Operations { get; }
    public HostStore Hosts { get; }
    public UserStore Users { get; }
    public HostConnections Connections { get; }
    public OperationExecutor Executor { get; }
    public MachineEvents Events { get; }
    public InstallationIdentity Installation { get; }
    public MachineService Service { get; }
    public HostService HostService { get; }
    public Host? Host { get; private set; }

    public static string UniqueName(string tag = "") => Prefix + tag + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A real user row (the machines table has a foreign key to users) and the caller it signs in as.</summary>
    public async Task<Caller> AddCallerAsync(string role, Guid? tenantId = null)
    {
        var user = new User
        {
            Id = Guid.NewGuid(),
            Username = UniqueName("u-"),
            PasswordHash = "not-a-hash",
            Role = role,
            TenantId = tenantId ?? DefaultTenant.Id,
            CreatedAt = Clock.Now(),
        };
        await Users.InsertAsync(user, CancellationToken.None);
        return new Caller(user.Id, user.Username, user.TenantId, role, "127.0.0.1");
    }

    public async Task<Guid> AddTenantAsync()
    {
        var id = Guid.NewGuid();
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO tenants (id, name, created_at) VALUES ($id, $name, '2025-01-01T00:00:00.000Z')";
        command.Parameters.Add(new SqliteParameter("$id", id.ToString("D")));
        command.Parameters.Add(new SqliteParameter("$name", UniqueName("t-")));
        await command.ExecuteNonQueryAsync();
        return id;
    }

    /// <summary>Registers the host through <see cref="HostService.AddAsync"/> as an admin and waits until it is connected.</summary>
    public async Task<Host> AddHostAsync(string uri)
    {
        var admin = await AddCallerAsync(Roles.Admin);
        var view = await HostService.AddAsync(admin, null, uri, CancellationToken.None);
        Host = view.Host;
        Assert.True(await Connections.WaitConnectedAsync(view.Host.Id, TimeSpan.FromSeconds(20), CancellationToken.None),
            $"host {uri} did not connect: {Connections.GetStatus(view.Host.Id).LastError}");
        return view.Host;
    }

    /// <summary>Makes a host registered by the test itself the one created machines are cleaned up on.</summary>
    public void UseHost(Host host) => Host = host;

    public async Task<(Machine Machine, Operation Operation)> CreateAsync(Caller caller, MachineRequest request)
    {
        var created = await Service.CreateAsync(caller, request, CancellationToken.None);
        _domains.Add((Host!.Uri, created.Machine.DomainUuid));
        return created;
    }

    /// <summary>Waits for the background operation to end and returns its journal entry.</summary>
    public async Task<Operation> WaitFinishedAsync(Guid operationId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var operation = await Operations.GetAsync(operationId, CancellationToken.None);
            if (operation?.State is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled)
                return operation;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"operation {operationId} still {operation?.State} ({operation?.Stage})");
            await Task.Delay(25);
        }
    }

    /// <summary>Polls the machine row until it has the state wanted; returns the last row seen (null when gone).</summary>
    public async Task<Machine?> WaitStateAsync(Guid machineId, MachineState state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Machine? machine;
        do
        {
            machine = await Machines.GetAsync(machineId, CancellationToken.None);
            if (machine?.State == state)
                return machine;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        return machine;
    }

    public async Task<MachineReconciler> StartReconcilerAsync()
    {
        var reconciler = new MachineReconciler(Connections, Machines, Operations, Executor, Service, Installation,
            NullLogger<MachineReconciler>.Instance);
        _reconcilers.Add(reconciler);
        await reconciler.StartAsync(CancellationToken.None);
        return reconciler;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var reconciler in _reconcilers)
        {
            try { await reconciler.StopAsync(CancellationToken.None); } catch (Exception) { }
            reconciler.Dispose();
        }
        await Executor.DisposeAsync();
        await Connections.DisposeAsync();
        foreach (var group in _domains.GroupBy(d => d.Uri))
        {
            using var connection = Connection.Open(group.Key);
            foreach (var (_, uuid) in group)
            {
                try { DomainRemoval.Remove(connection, uuid); } catch (LibvirtException) { }
            }
        }
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
