using System.Security.Claims;
using CloudPortal.Core.Common;

namespace CloudPortal.Web.Accounts;

/// <summary>The claims both sign-in schemes put on a principal, and the <see cref="Caller"/> made from them.</summary>
public static class PortalClaims
{
    public const string TenantId = "cloudportal:tenant";

    /// <summary>The role claim of a principal whose chosen tenant it may not act in: every tenant-scoped call is then a 404.</summary>
    public const string NoRole = "";

    public static ClaimsPrincipal Principal(Caller caller, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, caller.UserId.ToString()),
        new Claim(ClaimTypes.Name, caller.Username),
        new Claim(ClaimTypes.Role, caller.Role),
        new Claim(TenantId, caller.TenantId.ToString()),
    ], scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static Caller ToCaller(this ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true
            || !Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            || !Guid.TryParse(principal.FindFirstValue(TenantId), out var tenantId))
            throw new UnauthorizedAccessException("Not signed in.");
        var role = principal.FindFirstValue(ClaimTypes.Role);
        if (string.IsNullOrEmpty(role))
            throw new NotFoundException($"Tenant {tenantId} was not found.");
        return new Caller(userId, principal.Identity.Name ?? "", tenantId, role, principal.FindFirstValue(Audit.ClientAddress.ClaimType));
    }

    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static Guid? ChosenTenantId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(TenantId), out var id) ? id : null;
}
