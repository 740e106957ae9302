using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Audit;

public static class AuditExtensions
{
    /// <summary>The built-in limiter's policy on the sign-in endpoints: a coarse flood guard per client address.</summary>
    public const string SignInFloodPolicy = "signin-flood";

    public static IServiceCollection AddPortalAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SignInLimitOptions>(configuration.GetSection("CloudPortal:SignInLimits"));
        services.AddSingleton<IAuditLog, AuditLog>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<SignInThrottle>();
        services.AddHttpContextAccessor();
        services.AddTransient<IClaimsTransformation, ClientAddressClaimsTransformation>();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(SignInFloodPolicy, http =>
            {
                var limits = http.RequestServices.GetRequiredService<IOptions<SignInLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(http) ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.RequestsPerAddressPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            options.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                if (http.Request.Path.StartsWithSegments("/account/login"))
                {
                    http.Response.Redirect($"/login?locked={new SignInOutcome(null, wait).RetryAfterMinutes}");
                    return;
                }
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await Results.Problem(statusCode: 429, title: "Too many requests",
                    detail: "Too many sign-in requests from this address; slow down.").ExecuteAsync(http);
            };
        });
        return services;
    }

    public static WebApplication UsePortalAudit(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The browser's CSV download: cookie-authenticated, same filters and role rules as the API.</summary>
    public static IEndpointRouteBuilder MapPortalAudit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audit/export.csv", (string? from, string? to, string? user, string? action, string? result, string? q, Guid? tenant,
                ClaimsPrincipal principal, AuditService audit) =>
            Csv(principal.ToCaller(), AuditFilters.Parse(from, to, user, action, result, q, tenant), audit))
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>GET /api/v1/audit: the audit log, newest first, as JSON pages or (format=csv) all of it as CSV.</summary>
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (string? from, string? to, string? user, string? action, string? result, string? q, Guid? tenant,
                int? limit, string? cursor, string? format, ClaimsPrincipal principal, AuditService audit, CancellationToken ct) =>
            {
                var caller = principal.ToCaller();
                var query = AuditFilters.Parse(from, to, user, action, result, q, tenant);
                if (string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
                    return Csv(caller, query, audit);
                if (format is { Length: > 0 } && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
                    throw ValidationFailedException.For("format", "format must be json or csv.");
                var page = await audit.QueryAsync(caller, query, PageRequest.Create(limit, cursor), ct);
                return Results.Ok(new PageDto<AuditEntryDto>(page.Items.Select(AuditEntryDto.From).ToList(), page.Next));
            })
            .WithTags("Audit")
            .WithSummary("The audit log, newest first (admin: all; tenant-admin: own tenant). Filters: from/to (ISO 8601, to exclusive), user, action (prefix: machine, machine.create), result, q (free text); format=csv for CSV.")
            .Produces<PageDto<AuditEntryDto>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return api;
    }

    private static IResult Csv(Caller caller, AuditQuery query, AuditService audit)
    {
        // Checked before the response starts, so that a refusal is still a proper 403 problem and not a broken download.
        var scoped = AuditService.Scope(caller, query);
        return Results.Stream(
            stream => AuditCsv.WriteAsync(stream,
                cursor => audit.QueryAsync(caller, scoped, new PageRequest(PageRequest.MaxLimit, cursor), CancellationToken.None),
                CancellationToken.None),
            "text/csv; charset=utf-8",
            $"audit-{Clock.Now().UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.csv");
    }
}

public sealed record AuditEntryDto(
    long Id, DateTimeOffset At, Guid? UserId, string? Username, Guid? TenantId, string Action, string TargetType,
    string? TargetId, string? TargetName, string? Address, string Result, string? Detail)
{
    public static AuditEntryDto From(AuditEntry e) => new(
        e.Id, e.At, e.UserId, e.Username, e.TenantId, e.Action, e.TargetType, e.TargetId, e.TargetName, e.Address, e.Result, e.Detail);
}
