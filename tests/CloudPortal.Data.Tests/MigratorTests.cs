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
