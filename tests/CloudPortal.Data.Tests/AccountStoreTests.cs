using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

public sealed class AccountStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private static ApiToken NewToken(User user, DateTimeOffset expiresAt, string? hash = null) => new()
    {
        Id = Guid.NewGuid(),
        TokenHash = hash ?? Guid.NewGuid().ToString("N"),
        UserId = user.Id,
        TenantId = user.TenantId,
        CreatedAt = Clock.Now(),
        ExpiresAt = expiresAt,
    };

    [Fact]
    public async Task UserStore_InsertThenGet_RoundTrips()
    {
        var store = new UserStore(_db.Database);
        var user = await _db.AddUserAsync(DefaultTenant.Id, "Alice", Roles.TenantAdmin);

        Assert.Equal(user, await store.GetAsync(user.Id, None));
        Assert.Equal(user, await store.FindByUsernameAsync("Alice", None));
        Assert.Equal(1, await store.CountAsync(None));
    }

    [Fact]
    public async Task UserStore_FindByUsernameOtherCase_Found()
    {
        var user = await _db.AddUserAsync(DefaultTenant.Id, "Alice");

        Assert.Equal(user.Id, (await new UserStore(_db.Database).FindByUsernameAsync("aLICE", None))?.Id);
        Assert.Null(await new UserStore(_db.Database).FindByUsernameAsync("alice2", None));
    }

    [Fact]
    public async Task UserStore_SameUsernameOtherCase_Conflict()
    {
        await _db.AddUserAsync(DefaultTenant.Id, "Alice");

        var ex = await Assert.ThrowsAsync<ConflictException>(() => _db.AddUserAsync(DefaultTenant.Id, "ALICE"));

        Assert.Contains("ALICE", ex.Message);
        Assert.Equal(1, await new UserStore(_db.Database).CountAsync(None));
    }

    [Fact]
    public async Task TokenStore_FindValidAsync_ValidTokenWithItsUser()
    {
        var user = await _db.AddUserAsync(DefaultTenant.Id, "bob", Roles.Viewer);
        var tokens = new TokenStore(_db.Database);
        var now = Clock.Now();
        var token = NewToken(user, now.AddHours(1));
        await tokens.InsertAsync(token, None);

        var found = await tokens.FindValidAsync(token.TokenHash, now, None);

        Assert.NotNull(found);
        Assert.Equal(token, found.Value.Token);
        Assert.Equal(user, found.Value.User);
    }

    [Fact]
    public async Task TokenStore_FindValidAsync_ExpiredOrUnknownIgnored()
    {
        var user = await _db.AddUserAsync(DefaultTenant.Id);
        var tokens = new TokenStore(_db.Database);
        var now = Clock.Now();
        var expired = NewToken(user, now.AddSeconds(-1));
        var expiringNow = NewToken(user, now);
        await tokens.InsertAsync(expired, None);
        await tokens.InsertAsync(expiringNow, None);

        Assert.Null(await tokens.FindValidAsync(expired.TokenHash, now, None));
        Assert.Null(await tokens.FindValidAsync(expiringNow.TokenHash, now, None));
        Assert.Null(await tokens.FindValidAsync("unknown", now, None));
        Assert.NotNull(await tokens.FindValidAsync(expiringNow.TokenHash, now.AddMilliseconds(-1), None));
    }

    [Fact]
    public async Task TokenStore_DeleteExpiredAsync_RemovesOnlyExpired()
    {
        var user = await _db.AddUserAsync(DefaultTenant.Id);
        var tokens = new TokenStore(_db.Database);
        var now = Clock.Now();
        var expired = NewToken(user, now.AddDays(-1));
        var valid = NewToken(user, now.AddDays(1));
        await tokens.InsertAsync(expired, None);
        await tokens.InsertAsync(valid, None);

        await tokens.DeleteExpiredAsync(now, None);

        Assert.Equal(1, await _db.ScalarAsync<int>("SELECT count(*) FROM api_tokens"));
        Assert.NotNull(await tokens.FindValidAsync(valid.TokenHash, now, None));
    }

    [Fact]
    public async Task InstallationStore_CalledTwice_SameNonEmptyId()
    {
        var first = await new InstallationStore(_db.Database).GetOrCreateInstallationIdAsync(None);
        var second = await new InstallationStore(_db.Database).GetOrCreateInstallationIdAsync(None);

        Assert.NotEqual(Guid.Empty, first);
        Assert.Equal(first, second);
        Assert.Equal(1, await _db.ScalarAsync<int>("SELECT count(*) FROM installation"));
    }

    [Fact]
    public async Task InstallationStore_OtherDatabase_DifferentId()
    {
        using var other = new TempDatabase();

        var first = await new InstallationStore(_db.Database).GetOrCreateInstallationIdAsync(None);
        var second = await new InstallationStore(other.Database).GetOrCreateInstallationIdAsync(None);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task HostStore_DuplicateUri_Conflict()
    {
        var host = await _db.AddHostAsync();
        var store = new HostStore(_db.Database);

        await Assert.ThrowsAsync<ConflictException>(() => store.InsertAsync(host with { Id = Guid.NewGuid(), Name = "other" }, None));

        Assert.Equal([host], await store.ListAsync(None));
    }
}
