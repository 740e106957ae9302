using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace CloudPortal.Web.Audit;

public static class ClientAddress
{
    /// <summary>The claim that carries the client's address into <see cref="Core.Common.Caller.Address"/>.</summary>
    public const string ClaimType = "cloudportal:address";

    /// <summary>
    /// The address of the connection's peer. X-Forwarded-For is not trusted here: without a configured list of
    /// known proxies any client could claim any address and so dodge the per-address sign-in limit.
    /// </summary>
    public static string? Of(HttpContext http) => http.Connection.RemoteIpAddress is { } ip
        ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()
        : null;
}

/// <summary>
/// Stamps the request's client address onto the signed-in principal as a claim, for every scheme and request,
/// so that every <c>ToCaller()</c> carries it: API requests get their own address, and a Blazor circuit gets the
/// address of its hub connection once, when the circuit starts (its principal comes from that request).
/// Not stored in the cookie: transformations apply on each authentication only.
/// </summary>
public sealed class ClientAddressClaimsTransformation(IHttpContextAccessor accessor) : IClaimsTransformation
{
    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.HasClaim(c => c.Type == ClientAddress.ClaimType)
            || accessor.HttpContext is not { } http || ClientAddress.Of(http) is not { } address)
            return Task.FromResult(principal);
        var stamped = principal.Clone();
        stamped.AddIdentity(new ClaimsIdentity([new Claim(ClientAddress.ClaimType, address)]));
        return Task.FromResult(stamped);
    }
}
