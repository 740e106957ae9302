namespace CloudPortal.Core.Accounts;

public sealed record User
{
    public Guid Id { get; init; }
    public required string Username { get; init; }
    public required string PasswordHash { get; init; }
    /// <summary>"admin" for cloud administrators; otherwise the user's role in <see cref="TenantId"/>.</summary>
    public required string Role { get; init; }
    /// <summary>The home tenant: where sign-ins and tokens act unless another tenant is chosen.</summary>
    public Guid TenantId { get; init; }
    public bool Disabled { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public bool IsAdmin => Role == Common.Roles.Admin;
}

/// <summary>A bearer secret: a session token or a named personal API key. Only its SHA-256 is stored.</summary>
public sealed record ApiToken
{
    public Guid Id { get; init; }
    public required string TokenHash { get; init; }
    public Guid UserId { get; init; }
    public Guid TenantId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public string Kind { get; init; } = TokenKinds.Session;
    public string? Name { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
}

public static class TokenKinds
{
    public const string Session = "session";
    public const string ApiKey = "key";
}

public interface IUserStore
{
    Task<User?> FindByUsernameAsync(string username, CancellationToken ct);
    Task<User?> GetAsync(Guid id, CancellationToken ct);
    Task<int> CountAsync(CancellationToken ct);
    /// <summary>Adds the user and, for <see cref="User.Role"/> other than admin, its membership of <see cref="User.TenantId"/> with that role.</summary>
    Task InsertAsync(User user, CancellationToken ct);
    Task<IReadOnlyList<User>> ListAsync(Guid? memberOf, CancellationToken ct);
    Task SetPasswordHashAsync(Guid id, string passwordHash, CancellationToken ct);
    Task SetDisabledAsync(Guid id, bool disabled, CancellationToken ct);
    Task SetAdminAsync(Guid id, bool isAdmin, CancellationToken ct);
    /// <summary>Removes the user; refused with a <see cref="Common.ConflictException"/> naming the machines the user still owns.</summary>
    Task DeleteAsync(Guid id, CancellationToken ct);
}

public interface ITokenStore
{
    Task InsertAsync(ApiToken token, CancellationToken ct);
    /// <summary>The token and its user, when the token exists, is not revoked and has not expired.</summary>
    Task<(ApiToken Token, User User)?> FindValidAsync(string tokenHash, DateTimeOffset now, CancellationToken ct);
    Task DeleteExpiredAsync(DateTimeOffset now, CancellationToken ct);
    Task<IReadOnlyList<ApiToken>> ListApiKeysAsync(Guid userId, CancellationToken ct);
    /// <summary>Revokes one of the user's API keys; false when the user has no such key.</summary>
    Task<bool> RevokeApiKeyAsync(Guid userId, Guid keyId, DateTimeOffset now, CancellationToken ct);
    Task RevokeAllAsync(Guid userId, DateTimeOffset now, CancellationToken ct);
}

public interface IInstallationStore
{
    /// <summary>The portal's installation id, created with the database.</summary>
    Task<Guid> GetOrCreateInstallationIdAsync(CancellationToken ct);
}

/// <summary>Password hashing lives in the web layer (ASP.NET Core Identity's PBKDF2); Core only needs these two operations.</summary>
public interface IPasswordHashing
{
    string Hash(string password);
    bool Verify(User user, string password);
}
