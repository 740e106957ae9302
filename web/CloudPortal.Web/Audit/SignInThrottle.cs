using CloudPortal.Core.Accounts;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Web.Accounts;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Audit;

/// <summary>What became of a sign-in attempt: a user, a wrong username/password, or a refusal for RetryAfter.</summary>
public sealed record SignInOutcome(User? User, TimeSpan? RetryAfter)
{
    public static SignInOutcome Wrong { get; } = new(null, null);

    /// <summary>Whole minutes, rounded up, for the page's message.</summary>
    public int RetryAfterMinutes => RetryAfter is { } wait ? Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes)) : 0;
}

/// <summary>
/// Sign-in with auditing and limits on failures. The failures are counted from the audit log itself rather than
/// from an in-memory window: the log records them anyway, the count survives a restart (a restart must not hand
/// out fresh guesses), and it holds across several portal nodes sharing one database. The cost is one indexed
/// query per dimension per attempt, small next to the PBKDF2 verification every attempt pays.
/// </summary>
public sealed class SignInThrottle(SignInService signIn, IAuditStore store, IAuditLog audit, IOptions<SignInLimitOptions> options)
{
    public async Task<SignInOutcome> SignInAsync(string? username, string? password, string? address, string channel, CancellationToken ct)
    {
        var limits = options.Value;
        var attempted = string.IsNullOrWhiteSpace(username) ? null : username.Trim();
        var now = Clock.Now();
        var lockedUntil = Later(
            attempted is null ? null : await store.SignInLockedUntilAsync(attempted, null, limits.FailuresPerUsername, limits.Window, now, ct),
            address is null ? null : await store.SignInLockedUntilAsync(null, address, limits.FailuresPerAddress, limits.Window, now, ct));
        if (lockedUntil is { } until && until > now)
        {
            await audit.RecordAsync(Anonymous(attempted, address, AuditResults.Denied, $"{channel}: too many failed sign-ins"), ct);
            return new SignInOutcome(null, until - now);
        }

        var user = await signIn.CheckAsync(username, password, ct);
        if (user is null)
        {
            await audit.RecordAsync(Anonymous(attempted, address, AuditResults.Failed, $"{channel}: wrong username or password"), ct);
            return SignInOutcome.Wrong;
        }
        await audit.RecordAsync(new Caller(user.Id, user.Username, user.TenantId, user.Role, address),
            AuditActions.SignIn, "user", user.Id.ToString(), user.Username, AuditResults.Succeeded, channel, ct);
        return new SignInOutcome(user, null);
    }

    /// <summary>A 429 problem with Retry-After in whole seconds.</summary>
    public static IResult TooMany(HttpContext http, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            detail: $"Too many failed sign-ins; try again in {new SignInOutcome(null, retryAfter).RetryAfterMinutes} minutes.");
    }

    // A failed attempt names the username tried and the address; no user id or tenant, since none is established.
    private static AuditEntry Anonymous(string? username, string? address, string result, string detail) => new()
    {
        Username = username,
        Address = address,
        Action = AuditActions.SignIn,
        TargetType = "user",
        TargetName = username,
        Result = result,
        Detail = detail,
    };

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
