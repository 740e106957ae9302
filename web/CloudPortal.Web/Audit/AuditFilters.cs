using System.Globalization;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;

namespace CloudPortal.Web.Audit;

/// <summary>Turns the query string's audit filters into an <see cref="AuditQuery"/>, or a 400 field map.</summary>
public static class AuditFilters
{
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static AuditQuery Parse(string? from, string? to, string? user, string? action, string? result, string? q, Guid? tenant)
    {
        var errors = new ValidationErrors();
        var fromAt = ParseInstant("from", from, errors);
        var toAt = ParseInstant("to", to, errors);
        if (fromAt is not null && toAt is not null && fromAt > toAt)
            errors.Add("from", "from must not be after to.");
        if (!string.IsNullOrWhiteSpace(result) && !AuditResults.All.Contains(result.Trim()))
            errors.Add("result", $"result must be one of {string.Join(", ", AuditResults.All)}.");
        if (q is { Length: > 200 })
            errors.Add("q", "q must be at most 200 characters.");
        errors.ThrowIfAny();
        return new AuditQuery
        {
            From = fromAt, To = toAt, User = user, ActionPrefix = action, Result = result?.Trim(), Text = q, TenantId = tenant,
        };
    }

    /// <summary>ISO 8601 only (a date, or a date and time with an optional offset; no offset means UTC).</summary>
    private static DateTimeOffset? ParseInstant(string field, string? text, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (DateTimeOffset.TryParseExact(text.Trim(), IsoFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at;
        errors.Add(field, $"{field} must be an ISO 8601 date or date and time, e.g. 2025-01-31 or 2025-01-31T12:00:00Z.");
        return null;
    }
}
