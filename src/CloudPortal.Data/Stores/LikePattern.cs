namespace CloudPortal.Data.Stores;

/// <summary>
/// User text inside a SQL <c>LIKE</c> pattern: its <c>%</c> and <c>_</c> must match themselves, so every query that
/// uses one says <c>ESCAPE '\'</c>.
/// </summary>
internal static class LikePattern
{
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
