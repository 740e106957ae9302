namespace CloudPortal.Core.Accounts;

public sealed record User
{
    public Guid Id { get; init; }
    public required string Username { get; init; }
    public required string PasswordHash { get; init; }
    public required string Role { get; init; }
    public Guid TenantId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A bearer token: only its SHA-256 is stored, so a leaked database reveals no usable token.</summary>
public sealed record ApiToken
{
    public Guid Id { get; init; }
    public required string TokenHash { get; init; }
    public Guid UserId { get; init; }
    public Guid TenantId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}

public interface IUserStore
{
    Task<User?> FindByUsernameAsync(string username, CancellationToken ct);
    Task<User?> GetAsync(Guid id, CancellationToken ct);
    Task<int> CountAsync(CancellationToken ct);
    Task InsertAsync(User user, CancellationToken ct);
}

public interface ITokenStore
{
    Task InsertAsync(ApiToken token, CancellationToken ct);
    /// <summary>The token and its user, when the token exists and has not expired.</summary>
    Task<(ApiToken Token, User User)?> FindValidAsync(string tokenHash, DateTimeOffset now, CancellationToken ct);
    Task DeleteExpiredAsync(DateTimeOffset now, CancellationToken ct);
}

public interface IInstallationStore
{
    /// <summary>The portal's installation id, created with the database.</summary>
    Task<Guid> GetOrCreateInstallationIdAsync(CancellationToken ct);
}
