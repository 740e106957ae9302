using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace CloudPortal.Web.Accounts;

/// <summary>
/// Re-reads the signed-in user's access on every request, so a disabled user is signed out and a changed role
/// or a lost membership applies at once, not at the cookie's expiry.
/// </summary>
public static class CookiePrincipalValidator
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var access = context.HttpContext.RequestServices.GetRequiredService<AccessResolver>();
        var fresh = principal is null ? null : await ResolveAsync(access, principal, context.HttpContext);
        if (fresh is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        if (fresh.Role != principal!.FindFirstValue(ClaimTypes.Role) || fresh.TenantId != principal!.ChosenTenantId())
        {
            context.ReplacePrincipal(PortalClaims.Principal(fresh, CookieAuthenticationDefaults.AuthenticationScheme));
            context.ShouldRenew = true;
        }
    }

    /// <summary>The caller in the chosen tenant, else in the user's default tenant; null when the user may not sign in any more.</summary>
    public static async Task<Caller?> ResolveAsync(AccessResolver access, ClaimsPrincipal principal, HttpContext http)
    {
        if (principal.UserId() is not { } userId || principal.ChosenTenantId() is not { } tenantId)
            return null;
        var address = Audit.ClientAddress.Of(http);
        var ct = http.RequestAborted;
        try
        {
            return await access.ResolveAsync(userId, tenantId, address, ct);
        }
        catch (NotFoundException)
        {
            var users = http.RequestServices.GetRequiredService<Core.Accounts.IUserStore>();
            var user = await users.GetAsync(userId, ct);
            if (user is null || user.Disabled || await access.DefaultTenantAsync(user, ct) is not { } fallback)
                return null;
            return await access.ResolveAsync(user, fallback, address, ct);
        }
    }
}
