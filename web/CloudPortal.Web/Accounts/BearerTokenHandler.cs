using System.Text.Encodings.Web;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Accounts;

/// <summary>
/// Authenticates API calls by "Authorization: Bearer &lt;token&gt;" (a session token or an API key) against the hashed
/// secrets in the store. The call acts in the token's tenant, or in the one an "X-Tenant-Id" header names.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITokenStore tokens,
    AccessResolver access) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string TenantHeader = "X-Tenant-Id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var token = header["Bearer ".Length..].Trim();
        if (token.Length is 0 or > 256)
            return AuthenticateResult.Fail("Malformed bearer token.");
        var found = await tokens.FindValidAsync(TokenSecrets.Hash(token), CloudPortal.Core.Common.Clock.Now(), Context.RequestAborted);
        if (found is not { } valid || valid.User.Disabled)
            return AuthenticateResult.Fail("Unknown, revoked or expired bearer token.");

        var tenantId = valid.Token.TenantId;
        if (Request.Headers.TryGetValue(TenantHeader, out var named) && named.Count > 0)
        {
            if (!Guid.TryParse(named.ToString(), out tenantId))
                return AuthenticateResult.Fail($"{TenantHeader} must be a tenant id.");
        }
        var address = Audit.ClientAddress.Of(Context);
        Caller caller;
        try
        {
            caller = await access.ResolveAsync(valid.User, tenantId, address, Context.RequestAborted);
        }
        catch (NotFoundException)
        {
            // Signed in, but not in that tenant: tenant-scoped calls answer 404 without saying whether it exists.
            caller = new Caller(valid.User.Id, valid.User.Username, tenantId, PortalClaims.NoRole, address);
        }
        return AuthenticateResult.Success(new AuthenticationTicket(PortalClaims.Principal(caller, SchemeName), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized",
            detail: "Send a valid token in the Authorization header: POST /api/v1/tokens issues one.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(statusCode: 403, title: "Forbidden", detail: "Your role may not do this.").ExecuteAsync(Context);
    }
}
