using CloudPortal.Core.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Tests;

public sealed class MigratorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cpd-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private SqliteDatabase NewDatabase() => new(Path.Combine(_directory, "nested", "cloudportal.db"));

    [Fact]
    public async Task Migrate_FreshFile_CreatesSchemaAndDefaultTenant()
    {
        var database = NewDatabase();
        Assert.False(File.Exists(database.Path));

        DatabaseMigrator.Migrate(database);

        Assert.True(File.Exists(database.Path));
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var tables = (await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table'")).ToHashSet();
        Assert.Superset(new HashSet<string> { "installation", "tenants", "users", "api_tokens", "hosts", "machines", "operations", "operation_steps" }, tables);
        var tenant = await connection.QuerySingleAsync<(string Id, string Name)>("SELECT id, name FROM tenants");
        Assert.Equal(DefaultTenant.Id, Guid.Parse(tenant.Id));
        Assert.Equal(DefaultTenant.Name, tenant.Name);
    }

    [Fact]
    public async Task Migrate_Twice_HarmlessAndKeepsData()
    {
        var database = NewDatabase();
        DatabaseMigrator.Migrate(database);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync("INSERT INTO installation (id, created_at) VALUES ('x', 'now')");

        DatabaseMigrator.Migrate(database);

        await using var again = await database.OpenAsync(CancellationToken.None);
        Assert.Equal(1, await again.ExecuteScalarAsync<int>("SELECT count(*) FROM tenants"));
        Assert.Equal(1, await again.ExecuteScalarAsync<int>("SELECT count(*) FROM installation"));
    }

    [Fact]
    public async Task OpenAsync_MigratedFile_WalAndForeignKeysOn()
    {
        var database = NewDatabase();
        DatabaseMigrator.Migrate(database);

        await using var connection = await database.OpenAsync(CancellationToken.None);

        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
        Assert.Equal(10000, await connection.ExecuteScalarAsync<int>("PRAGMA busy_timeout"));
    }

    [Fact]
    public async Task OpenAsync_UserOfUnknownTenant_ForeignKeyRefuses()
    {
        var database = NewDatabase();
        DatabaseMigrator.Migrate(database);
        await using var connection = await database.OpenAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(
            "INSERT INTO users (id, username, password_hash, home_tenant_id, created_at) VALUES ('u', 'u', 'h', 'nope', 'now')"));

        Assert.Contains("FOREIGN KEY", ex.Message);
    }
}

/// <summary>Migration 0019 on a database made before it: existing root disks are recorded and charged, so the ledger and a recompute agree.</summary>
public sealed class RootDiskMigrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cpd-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The migrator's own scripts, only those numbered below <paramref name="firstLeftOut"/>: a portal of an older version.</summary>
    private static void MigrateBefore(SqliteDatabase database, string firstLeftOut)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(database.Path)!);
        var result = DbUp.DeployChanges.To.SqliteDatabase(database.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly,
                name => name.StartsWith("sqlite.", StringComparison.Ordinal) && string.CompareOrdinal(name, "sqlite." + firstLeftOut) < 0)
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        Assert.True(result.Successful, result.Error?.Message);
    }

    [Fact]
    public async Task Migrate_MachinesWithImagesBefore0019_RootDisksRecordedAndChargedWithoutDrift()
    {
        var database = new SqliteDatabase(Path.Combine(_directory, "cloudportal.db"));
        MigrateBefore(database, "0019");
        var tenant = Guid.NewGuid();
        var owner = Guid.NewGuid();
        var host = Guid.NewGuid();
        var image = Guid.NewGuid();
        var now = Clock.Now();
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("INSERT INTO tenants (id, name, created_at) VALUES (@tenant, 'old', @now)", new { tenant = tenant.ToString(), now });
            await new Stores.UserStore(database).InsertAsync(new Core.Accounts.User
            {
                Id = owner, Username = "old-owner", PasswordHash = "hash", Role = Roles.Member, TenantId = tenant, CreatedAt = now,
            }, CancellationToken.None);
            await new Stores.HostStore(database).InsertAsync(new Core.Hosts.Host { Id = host, Name = "old-host", Uri = "qemu+tcp://old/system", CreatedAt = now },
                CancellationToken.None);
            // A public image of the default tenant, 1.5 GiB virtual: the disks made from it are at least 2 GiB.
            await connection.ExecuteAsync("""
                INSERT INTO images (id, tenant_id, owner_id, name, visibility, sha256, format, virtual_size_bytes, size_bytes, created_at, updated_at)
                VALUES (@image, @defaultTenant, @owner, 'old-image', 'public', @sha, 'qcow2', @virtual, 1048576, @now, @now)
                """, new { image = image.ToString(), defaultTenant = DefaultTenant.Id.ToString(), owner = owner.ToString(), sha = new string('a', 64),
                    @virtual = 3L << 29, now });
            foreach (var (name, state, imageId) in new[] { ("running", "running", (Guid?)image), ("booting", "provisioning", image), ("diskless", "stopped", null) })
            {
                await connection.ExecuteAsync("""
                    INSERT INTO machines (id, name, tenant_id, owner_id, host_id, state, vcpus, memory_mib, domain_uuid, created_at, updated_at, image_id)
                    VALUES (@id, @name, @tenant, @owner, @host, @state, 1, 64, @uuid, @now, @now, @imageId)
                    """, new { id = Guid.NewGuid().ToString(), name, tenant = tenant.ToString(), owner = owner.ToString(), host = host.ToString(), state,
                        uuid = Guid.NewGuid().ToString(), now, imageId = imageId?.ToString() });
            }
            // The ledger as the old portal kept it: the two machines out of provisioning, one of them running, no disk.
            await connection.ExecuteAsync("""
                INSERT INTO quota_usage (tenant_id, machines, vcpus, memory_mib, running_vcpus, running_memory_mib, updated_at)
                VALUES (@tenant, 2, 2, 128, 1, 64, @now)
                """, new { tenant = tenant.ToString(), now });
        }

        DatabaseMigrator.Migrate(database);

        await using var migrated = await database.OpenAsync(CancellationToken.None);
        var disks = (await migrated.QueryAsync<(string Name, long DiskGiB)>("SELECT name, disk_gib FROM machines ORDER BY name")).ToList();
        Assert.Equal([("booting", 2L), ("diskless", 0L), ("running", 2L)], disks);
        var quotas = new Stores.QuotaStore(database);
        Assert.Equal(2, (await quotas.GetViewAsync(tenant, CancellationToken.None)).Usage.DiskGiB);
        Assert.Empty(await quotas.RecomputeAsync(tenant, fix: false, CancellationToken.None));
    }
}
