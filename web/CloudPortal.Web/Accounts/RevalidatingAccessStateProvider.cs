using CloudPortal.Core.Tenancy;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace CloudPortal.Web.Accounts;

/// <summary>
/// A Blazor circuit outlives the request that opened it; this re-checks every minute that the user still may act
/// in the tenant, so a disabled user or a removed membership ends the circuit's access too.
/// </summary>
public sealed class RevalidatingAccessStateProvider(ILoggerFactory loggerFactory, AccessResolver access)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        if (state.User.UserId() is not { } userId || state.User.ChosenTenantId() is not { } tenantId)
            return false;
        try
        {
            return await access.ResolveAsync(userId, tenantId, null, ct) is not null;
        }
        catch (Core.Common.NotFoundException)
        {
            return false;
        }
    }
}
