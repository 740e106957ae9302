using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using Microsoft.Extensions.Options;
using CloudPortal.Web.Hosting;

namespace CloudPortal.Web.Accounts;

/// <summary>Checks a username and password; the answer never says which of the two was wrong.</summary>
public sealed class SignInService(IUserStore users, ITokenStore tokens, PasswordHashing passwords, IOptions<PortalOptions> options)
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
        return passwords.Verify(user, password) ? user : null;
    }

    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueTokenAsync(User user, CancellationToken ct)
    {
        var now = Clock.Now();
        var token = BearerTokenHandler.NewToken();
        var expiresAt = now + options.Value.TokenLifetime;
        await tokens.InsertAsync(new ApiToken
        {
            Id = Guid.NewGuid(),
            TokenHash = BearerTokenHandler.HashToken(token),
            UserId = user.Id,
            TenantId = user.TenantId,
            CreatedAt = now,
            ExpiresAt = expiresAt,
        }, ct);
        return (token, expiresAt);
    }
}
