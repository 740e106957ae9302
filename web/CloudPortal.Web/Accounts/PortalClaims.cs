using System.Security.Claims;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;

namespace CloudPortal.Web.Accounts;

/// <summary>The claims both sign-in schemes put on a principal, and the <see cref="Caller"/> made from them.</summary>
public static class PortalClaims
{
    public const string TenantId = "cloudportal:tenant";

    public static ClaimsPrincipal Principal(User user, Guid tenantId, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
        new Claim(ClaimTypes.Name, user.Username),
        new Claim(ClaimTypes.Role, user.Role),
        new Claim(TenantId, tenantId.ToString()),
    ], scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static Caller ToCaller(this ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true
            || !Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            || !Guid.TryParse(principal.FindFirstValue(TenantId), out var tenantId))
            throw new UnauthorizedAccessException("Not signed in.");
        return new Caller(userId, principal.Identity.Name ?? "", tenantId, principal.FindFirstValue(ClaimTypes.Role) ?? Roles.Viewer,
            principal.FindFirstValue(Audit.ClientAddress.ClaimType));
    }
}
