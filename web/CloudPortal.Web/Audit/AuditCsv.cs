using System.Globalization;
using System.Text;
using CloudPortal.Core.Audit;

namespace CloudPortal.Web.Audit;

/// <summary>The audit log as RFC 4180 CSV, safe to open in a spreadsheet.</summary>
public static class AuditCsv
{
    public static readonly string[] Header =
        ["id", "at", "username", "user_id", "tenant_id", "action", "target_type", "target_id", "target_name", "address", "result", "detail"];

    public static string Row(AuditEntry e) => Line(
    [
        e.Id.ToString(CultureInfo.InvariantCulture), e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        e.Username, e.UserId?.ToString(), e.TenantId?.ToString(), e.Action, e.TargetType, e.TargetId, e.TargetName, e.Address, e.Result, e.Detail,
    ]);

    public static string Line(IEnumerable<string?> cells) => string.Join(',', cells.Select(Cell)) + "\r\n";

    /// <summary>
    /// One field: a value a spreadsheet would take for a formula (=, +, -, @, or a tab/CR that hides one) gets a
    /// leading apostrophe, since usernames, machine names and details are typed by users; then RFC 4180 quoting.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>Writes the header and every page the query yields, one page in memory at a time.</summary>
    public static async Task WriteAsync(Stream output, Func<string?, Task<Core.Common.Page<AuditEntry>>> nextPage, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteAsync(Line(Header));
        string? cursor = null;
        do
        {
            var page = await nextPage(cursor);
            foreach (var entry in page.Items)
                await writer.WriteAsync(Row(entry));
            await writer.FlushAsync(ct);
            cursor = page.Next;
        } while (cursor is not null);
    }
}
