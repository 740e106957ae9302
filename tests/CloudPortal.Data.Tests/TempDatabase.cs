using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Data.Stores;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Tests;

/// <summary>A migrated SQLite file in a fresh temp directory, deleted with the test.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = Path.Combine(Path.GetTempPath(), "cpd-" + Guid.NewGuid().ToString("N"));
        Database = new SqliteDatabase(Path.Combine(Directory, "cloudportal.db"));
        DatabaseMigrator.Migrate(Database);
    }

    public string Directory { get; }
    public SqliteDatabase Database { get; }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    public async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, args);
    }

    public async Task<Guid> AddTenantAsync(string name)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync("INSERT INTO tenants (id, name, created_at) VALUES (@id, @name, @now)", new { id, name, now = Clock.Now() });
        return id;
    }

    public async Task<User> AddUserAsync(Guid tenantId, string? username = null, string role = Roles.Member)
    {
        var user = new User
        {
            Id = Guid.NewGuid(),
            Username = username ?? "u-" + Guid.NewGuid().ToString("N")[..8],
            PasswordHash = "hash",
            Role = role,
            TenantId = tenantId,
            CreatedAt = Clock.Now(),
        };
        await new UserStore(Database).InsertAsync(user, CancellationToken.None);
        return user;
    }

    public async Task<Host> AddHostAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var host = new Host { Id = Guid.NewGuid(), Name = "h-" + suffix, Uri = $"qemu+tcp://{suffix}/system", CreatedAt = Clock.Now() };
        await new HostStore(Database).InsertAsync(host, CancellationToken.None);
        return host;
    }

    public static Machine NewMachine(string name, Guid tenantId, Guid ownerId, Guid hostId, DateTimeOffset? createdAt = null,
        MachineState state = MachineState.Running)
    {
        var at = createdAt ?? Clock.Now();
        return new Machine
        {
            Id = Guid.NewGuid(),
            Name = name,
            TenantId = tenantId,
            OwnerId = ownerId,
            HostId = hostId,
            State = state,
            Vcpus = 2,
            MemoryMiB = 256,
            DomainUuid = Guid.NewGuid(),
            CreatedAt = at,
            UpdatedAt = at,
        };
    }

    public static Operation NewOperation(Machine machine, string kind = OperationKinds.Create, DateTimeOffset? at = null) => new()
    {
        Id = Guid.NewGuid(),
        Kind = kind,
        TenantId = machine.TenantId,
        MachineId = machine.Id,
        UserId = machine.OwnerId,
        State = OperationState.Pending,
        CreatedAt = at ?? Clock.Now(),
        UpdatedAt = at ?? Clock.Now(),
    };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled handle of another test's clear may lag; the temp directory is unique anyway.
        }
    }
}
