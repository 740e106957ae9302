using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Tenancy;
using CloudPortal.Web.Hosting;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Accounts;

/// <summary>Checks a username and password; the answer never says which of the two was wrong, nor that an account is disabled.</summary>
public sealed class SignInService(
    IUserStore users, ITokenStore tokens, PasswordHashing passwords, AccessResolver access, IOptions<PortalOptions> options)
{
    public async Task<User?> CheckAsync(string? username, string? password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || username.Length > 256 || password.Length > 1024)
            return null;
        var user = await users.FindByUsernameAsync(username.Trim(), ct);
        if (user is null)
        {
            passwords.VerifyDummy(password);
            return null;
        }
        return passwords.Verify(user, password) && !user.Disabled ? user : null;
    }

    /// <summary>The caller a new sign-in acts as: in the named tenant, or in the user's default one.</summary>
    /// <exception cref="NotFoundException">The user may not act in the named tenant, or in any tenant at all.</exception>
    public async Task<Caller> ActingCallerAsync(User user, Guid? tenantId, string? address, CancellationToken ct)
    {
        var chosen = tenantId ?? await access.DefaultTenantAsync(user, ct)
            ?? throw new NotFoundException("Your account belongs to no active tenant; ask an administrator to add you to one.");
        return await access.ResolveAsync(user, chosen, address, ct);
    }

    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueTokenAsync(Caller caller, CancellationToken ct)
    {
        var now = Clock.Now();
        var token = TokenSecrets.New();
        var expiresAt = now + options.Value.TokenLifetime;
        await tokens.InsertAsync(new ApiToken
        {
            Id = Guid.NewGuid(),
            TokenHash = TokenSecrets.Hash(token),
            UserId = caller.UserId,
            TenantId = caller.TenantId,
            CreatedAt = now,
            ExpiresAt = expiresAt,
        }, ct);
        return (token, expiresAt);
    }
}
