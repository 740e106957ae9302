using CloudPortal.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace CloudPortal.Web.Accounts;

public static class AccountExtensions
{
    public static IServiceCollection AddPortalAccounts(this IServiceCollection services)
    {
        services.AddSingleton<PasswordHashing>();
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
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        return services;
    }

    public static IEndpointRouteBuilder MapPortalAccounts(this IEndpointRouteBuilder app)
    {
        // The browser's sign-in: a plain form post, so antiforgery validation applies to it.
        app.MapPost("/account/login", async ([FromForm] LoginForm form, SignInService signIn, HttpContext http, CancellationToken ct) =>
        {
            var user = await signIn.CheckAsync(form.Username, form.Password, ct);
            var returnUrl = SafeReturnUrl(form.ReturnUrl);
            if (user is null)
                return Results.Redirect($"/login?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                PortalClaims.Principal(user, user.TenantId, CookieAuthenticationDefaults.AuthenticationScheme));
            return Results.LocalRedirect(returnUrl);
        }).ExcludeFromDescription();

        app.MapPost("/account/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/login");
        }).ExcludeFromDescription();

        app.MapPost("/api/v1/tokens", async (TokenRequest? body, SignInService signIn, CancellationToken ct) =>
        {
            var user = await signIn.CheckAsync(body?.Username, body?.Password, ct);
            if (user is null)
                return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "The username or password is wrong.");
            var (token, expiresAt) = await signIn.IssueTokenAsync(user, ct);
            return Results.Json(new TokenResponse(token, expiresAt), statusCode: StatusCodes.Status201Created);
        })
        .WithTags("Tokens")
        .WithSummary("Exchange a username and password for a bearer token.")
        .Produces<TokenResponse>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .AllowAnonymous()
        .DisableAntiforgery();
        return app;
    }

    private static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) ? returnUrl : "/";
}

public sealed record LoginForm(string? Username, string? Password, string? ReturnUrl);

public sealed record TokenRequest(string? Username, string? Password);

public sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt);
