using System.Text;
using CloudPortal.Core.Common;

namespace CloudPortal.Data.Stores;

/// <summary>
/// The opaque cursor of a keyset page: the id and the sort key of the last row handed out, so the next page starts
/// strictly after it. Anything else sent back as a cursor is a 400 on cursor.
/// </summary>
internal static class KeysetCursor
{
    public static string Encode(Guid id, string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{id}|{key}"));

    /// <summary>The sort key and the id (as stored text), or nulls for the first page.</summary>
    public static (string? Key, string? Id) Decode(string? cursor)
    {
        if (cursor is null)
            return (null, null);
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var bar = text.IndexOf('|');
            if (bar > 0 && Guid.TryParse(text[..bar], out var id))
                return (text[(bar + 1)..], id.ToString("D"));
        }
        catch (FormatException)
        {
        }
        throw ValidationFailedException.For("cursor", "cursor is not one this API handed out.");
    }
}
