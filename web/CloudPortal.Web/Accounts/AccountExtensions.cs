using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Web.Api;
using CloudPortal.Web.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Tenancy;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CloudPortal.Web.Accounts;

public static class AccountExtensions
{
    public static IServiceCollection AddPortalAccounts(this IServiceCollection services)
    {
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<IPasswordHashing>(provider => provider.GetRequiredService<PasswordHashing>());
        services.AddHostedService<ExpiredTokenSweeper>();
        services.AddSingleton<AccessResolver>();
        services.AddSingleton<TenantService>();
        services.AddSingleton<UserService>();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAccessStateProvider>();
        services.AddSingleton<SignInService>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/login";
                options.LogoutPath = "/account/logout";
                options.Cookie.Name = "cloudportal";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.ExpireTimeSpan = TimeSpan.FromHours(12);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = CookiePrincipalValidator.ValidateAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        return services;
    }

    public static IEndpointRouteBuilder MapPortalAccounts(this IEndpointRouteBuilder app)
    {
        // The browser's sign-in: a plain form post, so antiforgery validation applies to it.
        app.MapPost("/account/login", async ([FromForm] LoginForm form, SignInThrottle throttle, SignInService signIn, HttpContext http, CancellationToken ct) =>
        {
            var outcome = await throttle.SignInAsync(form.Username, form.Password, ClientAddress.Of(http), "form", ct);
            var returnUrl = SafeReturnUrl(form.ReturnUrl);
            if (outcome.RetryAfter is not null)
                return Results.Redirect($"/login?locked={outcome.RetryAfterMinutes}&returnUrl={Uri.EscapeDataString(returnUrl)}");
            if (outcome.User is not { } user)
                return Results.Redirect($"/login?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
            Caller caller;
            try
            {
                caller = await signIn.ActingCallerAsync(user, null, ClientAddress.Of(http), ct);
            }
            catch (NotFoundException)
            {
                return Results.Redirect($"/login?error=notenant&returnUrl={Uri.EscapeDataString(returnUrl)}");
            }
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                PortalClaims.Principal(caller, CookieAuthenticationDefaults.AuthenticationScheme));
            return Results.LocalRedirect(returnUrl);
        }).ExcludeFromDescription().RequireRateLimiting(AuditExtensions.SignInFloodPolicy);

        // Switching tenant re-issues the cookie for the chosen tenant; the resolver refuses tenants the user is not in.
        app.MapPost("/account/switch-tenant", async ([FromForm] SwitchTenantForm form, AccessResolver access, HttpContext http, CancellationToken ct) =>
        {
            var userId = http.User.UserId();
            if (userId is null || form.TenantId is not { } tenantId)
                return Results.LocalRedirect("/login");
            var caller = await access.ResolveAsync(userId.Value, tenantId, ClientAddress.Of(http), ct);
            if (caller is null)
                return Results.LocalRedirect("/login");
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                PortalClaims.Principal(caller, CookieAuthenticationDefaults.AuthenticationScheme));
            return Results.LocalRedirect(SafeReturnUrl(form.ReturnUrl));
        }).RequireAuthorization().ExcludeFromDescription();

        app.MapPost("/account/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/login");
        }).ExcludeFromDescription();

        app.MapPost("/api/v1/tokens", async (TokenRequest? body, SignInService signIn, SignInThrottle throttle, IAuditLog audit, HttpContext http, CancellationToken ct) =>
        {
            var outcome = await throttle.SignInAsync(body?.Username, body?.Password, ClientAddress.Of(http), "api", ct);
            if (outcome.RetryAfter is { } retryAfter)
                return SignInThrottle.TooMany(http, retryAfter);
            if (outcome.User is not { } user)
                return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "The username or password is wrong.");
            var caller = await signIn.ActingCallerAsync(user, body?.TenantId, ClientAddress.Of(http), ct);
            var (token, expiresAt) = await signIn.IssueTokenAsync(caller, ct);
            await audit.RecordAsync(caller, AuditActions.TokenIssue, "token", null, user.Username, AuditResults.Succeeded, $"expires {expiresAt:O}", ct);
            return Results.Json(new TokenResponse(token, expiresAt, caller.TenantId), statusCode: StatusCodes.Status201Created);
        })
        .WithTags("Tokens")
        .WithSummary("Exchange a username and password for a bearer token.")
        .Produces<TokenResponse>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .RequireRateLimiting(AuditExtensions.SignInFloodPolicy)
        .AllowAnonymous()
        .DisableAntiforgery();
        return app;
    }

    private static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) ? returnUrl : "/";
}

public sealed record LoginForm(string? Username, string? Password, string? ReturnUrl);

public sealed record SwitchTenantForm(Guid? TenantId, string? ReturnUrl);

/// <summary>A sign-in for the API; <see cref="TenantId"/> chooses the tenant the token acts in (default: the user's home tenant).</summary>
public sealed record TokenRequest(string? Username, string? Password, Guid? TenantId);

public sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt, Guid TenantId);
