using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Data;
using CloudPortal.Data.Stores;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Tests;

/// <summary>The audit store on a real, migrated SQLite file.</summary>
public sealed class AuditStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid TenantA = Guid.NewGuid();
    private static readonly Guid TenantB = Guid.NewGuid();

    private readonly string _directory = Directory.CreateTempSubdirectory("cloudportal-audit-").FullName;
    private readonly SqliteDatabase _database;
    private readonly AuditStore _store;

    public AuditStoreTests()
    {
        _database = new SqliteDatabase(Path.Combine(_directory, "test.db"));
        DatabaseMigrator.Migrate(_database);
        _store = new AuditStore(_database);
    }

    private Task<long> AppendAsync(int minutes, string action, string result = AuditResults.Succeeded, string? user = "alice",
        Guid? tenant = null, string? address = "10.0.0.1", string? target = "web-1", string? detail = null) =>
        _store.AppendAsync(new AuditEntry
        {
            At = T0.AddMinutes(minutes), Username = user, TenantId = tenant, Action = action, TargetType = "machine",
            TargetName = target, Address = address, Result = result, Detail = detail,
        }, CancellationToken.None);

    [Theory]
    [InlineData("UPDATE audit_log SET result = 'succeeded'")]
    [InlineData("DELETE FROM audit_log")]
    public async Task AuditLog_UpdateOrDelete_IsRefusedByTrigger(string sql)
    {
        await AppendAsync(0, AuditActions.SignIn, AuditResults.Failed);

        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var ex = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());

        Assert.Contains("append-only", ex.Message);
        var page = await _store.QueryAsync(new AuditQuery(), new PageRequest(10, null), CancellationToken.None);
        Assert.Equal(AuditResults.Failed, Assert.Single(page.Items).Result);
    }

    [Fact]
    public async Task Append_Entry_RoundTripsEveryField()
    {
        var userId = Guid.NewGuid();
        var id = await _store.AppendAsync(new AuditEntry
        {
            At = T0, UserId = userId, Username = "bob", TenantId = TenantA, Action = "machine.pause", TargetType = "machine",
            TargetId = "42", TargetName = "db", Address = "::1", Result = AuditResults.Failed, Detail = "it is stopped",
        }, CancellationToken.None);

        var entry = Assert.Single((await _store.QueryAsync(new AuditQuery(), new PageRequest(10, null), CancellationToken.None)).Items);
        Assert.Equal(new AuditEntry
        {
            Id = id, At = T0, UserId = userId, Username = "bob", TenantId = TenantA, Action = "machine.pause", TargetType = "machine",
            TargetId = "42", TargetName = "db", Address = "::1", Result = AuditResults.Failed, Detail = "it is stopped",
        }, entry);
    }

    [Fact]
    public async Task Query_KeysetPages_WalkNewestFirstWithoutGapsOrRepeats()
    {
        for (var i = 0; i < 7; i++)
            await AppendAsync(i, AuditActions.MachineCreate, target: $"m{i}");

        var seen = new List<string?>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await _store.QueryAsync(new AuditQuery(), new PageRequest(3, cursor), CancellationToken.None);
            seen.AddRange(page.Items.Select(e => e.TargetName));
            cursor = page.Next;
            pages++;
        } while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["m6", "m5", "m4", "m3", "m2", "m1", "m0"], seen);
    }

    [Fact]
    public async Task Query_Filters_EachNarrowsTheResult()
    {
        await AppendAsync(0, AuditActions.MachineCreate, user: "alice", tenant: TenantA, target: "web-1");
        await AppendAsync(10, "machine.pause", AuditResults.Failed, user: "Bob", tenant: TenantA, target: "db-1", detail: "Cannot pause: it is stopped");
        await AppendAsync(20, AuditActions.SignIn, AuditResults.Denied, user: "carol", tenant: null, address: "192.0.2.7", target: null);
        await AppendAsync(30, "machines.weird", user: "dave", tenant: TenantB, target: "x_y");

        async Task<string[]> Names(AuditQuery query) =>
            (await _store.QueryAsync(query, new PageRequest(50, null), CancellationToken.None)).Items.Select(e => e.Username!).ToArray();

        Assert.Equal(["Bob", "alice"], await Names(new AuditQuery { From = T0, To = T0.AddMinutes(20) }));
        Assert.Equal(["Bob"], await Names(new AuditQuery { User = "bob" }));
        Assert.Equal(["Bob", "alice"], await Names(new AuditQuery { TenantId = TenantA }));
        // A prefix matches whole segments: "machine" is not a prefix of "machines.weird".
        Assert.Equal(["Bob", "alice"], await Names(new AuditQuery { ActionPrefix = "machine" }));
        Assert.Equal(["alice"], await Names(new AuditQuery { ActionPrefix = "machine.create" }));
        Assert.Equal(["carol"], await Names(new AuditQuery { Result = AuditResults.Denied }));
        Assert.Equal(["Bob"], await Names(new AuditQuery { Text = "STOPPED" }));
        Assert.Equal(["carol"], await Names(new AuditQuery { Text = "192.0.2" }));
        // LIKE wildcards in the text are literal.
        Assert.Equal(["dave"], await Names(new AuditQuery { Text = "x_y" }));
        Assert.Empty(await Names(new AuditQuery { Text = "%" }));
    }

    [Fact]
    public async Task SignInLockedUntil_FifthFailureForUsername_LocksUntilOldestLeavesWindow()
    {
        var window = TimeSpan.FromMinutes(15);
        for (var i = 0; i < 4; i++)
            await AppendAsync(i, AuditActions.SignIn, AuditResults.Failed, user: "eve", address: $"10.0.1.{i}");
        Assert.Null(await _store.SignInLockedUntilAsync("EVE", null, 5, window, T0.AddMinutes(5), CancellationToken.None));

        await AppendAsync(4, AuditActions.SignIn, AuditResults.Failed, user: "eve", address: "10.0.1.9");

        Assert.Equal(T0.AddMinutes(15), await _store.SignInLockedUntilAsync("eve", null, 5, window, T0.AddMinutes(5), CancellationToken.None));
        // Out of the window, the oldest failure no longer counts.
        Assert.Null(await _store.SignInLockedUntilAsync("eve", null, 5, window, T0.AddMinutes(15.5), CancellationToken.None));
    }

    [Fact]
    public async Task SignInLockedUntil_SuccessfulSignIn_ResetsUsernameButNotAddress()
    {
        var window = TimeSpan.FromMinutes(15);
        for (var i = 0; i < 5; i++)
            await AppendAsync(i, AuditActions.SignIn, AuditResults.Failed, user: "frank", address: "10.0.2.1");
        await AppendAsync(5, AuditActions.SignIn, AuditResults.Succeeded, user: "frank", address: "10.0.2.1");

        Assert.Null(await _store.SignInLockedUntilAsync("frank", null, 5, window, T0.AddMinutes(6), CancellationToken.None));
        Assert.NotNull(await _store.SignInLockedUntilAsync(null, "10.0.2.1", 5, window, T0.AddMinutes(6), CancellationToken.None));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
