using System.Globalization;
using System.Text;
using CloudPortal.Core.Common;

namespace CloudPortal.Data.Stores;

/// <summary>
/// The cursor of the newest-first lists (machines, images): creation time, then id, of the last row handed out.
/// Its text is "created|id", the order the lists sort by; cursors that clients already hold keep working.
/// </summary>
internal static class CreatedAtCursor
{
    public static string Encode(DateTimeOffset createdAt, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DapperTypeHandlers.Text(createdAt)}|{id}"));

    /// <summary>The creation time (as sent) and the id (as stored text), or nulls for the first page.</summary>
    public static (string? CreatedAt, string? Id) Decode(string? cursor)
    {
        if (cursor is null)
            return (null, null);
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor)).Split('|');
            if (parts.Length == 2 && DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, out _) && Guid.TryParse(parts[1], out var id))
                return (parts[0], id.ToString("D"));
        }
        catch (FormatException)
        {
        }
        throw ValidationFailedException.For("cursor", "cursor is not a cursor this collection gave out.");
    }
}
