using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Accounts;

/// <summary>Authenticates API calls by "Authorization: Bearer &lt;token&gt;" against the hashed tokens in the store.</summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITokenStore tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var token = header["Bearer ".Length..].Trim();
        if (token.Length is 0 or > 256)
            return AuthenticateResult.Fail("Malformed bearer token.");
        var found = await tokens.FindValidAsync(HashToken(token), CloudPortal.Core.Common.Clock.Now(), Context.RequestAborted);
        if (found is not { } valid)
            return AuthenticateResult.Fail("Unknown or expired bearer token.");
        return AuthenticateResult.Success(new AuthenticationTicket(
            PortalClaims.Principal(valid.User, valid.Token.TenantId, SchemeName), SchemeName));
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

    public static string HashToken(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string NewToken() => "cpt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
