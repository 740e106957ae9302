using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;

namespace CloudPortal.Web.Images;

/// <summary>
/// A short-lived bearer token for one browser upload: the page sends the file straight to the API (which takes
/// bearer tokens only, so that the cookie can never authorize a cross-site upload) instead of through the circuit.
/// Authentication happens when the request starts, so the token may expire while a long upload runs.
/// </summary>
public sealed class UploadTokens(ITokenStore tokens)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public async Task<string> IssueAsync(Caller caller, CancellationToken ct)
    {
        var token = TokenSecrets.New();
        var now = Clock.Now();
        await tokens.InsertAsync(new ApiToken
        {
            Id = Guid.NewGuid(),
            TokenHash = TokenSecrets.Hash(token),
            UserId = caller.UserId,
            TenantId = caller.TenantId,
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
            Kind = TokenKinds.Session,
        }, ct);
        return token;
    }
}
