using System.Security.Claims;
using Bunit;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Web.Accounts;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CloudPortal.Web.Tests.Infrastructure;

/// <summary>bUnit contexts that render pages over the real services of a running test portal.</summary>
public static class PortalBunit
{
    /// <summary>
    /// A context signed in as <paramref name="username"/> (an existing user) with <paramref name="role"/>, acting in
    /// the default tenant, offering the portal's own instances of <paramref name="services"/> to the components.
    /// </summary>
    public static async Task<BunitContext> SignedInAsync(IServiceProvider portal, string username, string role, params Type[] services)
    {
        var user = await portal.GetRequiredService<IUserStore>().FindByUsernameAsync(username, CancellationToken.None)
            ?? throw new InvalidOperationException($"no user '{username}' in the test portal");
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        foreach (var type in services)
            context.Services.AddSingleton(type, portal.GetRequiredService(type));
        context.AddAuthorization().SetAuthorized(username).SetRoles(role).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(PortalClaims.TenantId, DefaultTenant.Id.ToString()));
        return context;
    }
}
