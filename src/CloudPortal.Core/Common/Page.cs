namespace CloudPortal.Core.Common;

/// <summary>A page of a collection; <see cref="Next"/> is the cursor of the following page, null at the end.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>Keyset paging: the cursor names the last row seen, so pages stay stable while rows are added.</summary>
public sealed record PageRequest(int Limit, string? Cursor, string? Filter = null)
{
    public const int MaxLimit = 500;
    public const int DefaultLimit = 50;

    public static PageRequest Create(int? limit, string? cursor, string? filter = null)
    {
        if (limit is < 1 or > MaxLimit)
            throw ValidationFailedException.For("limit", $"limit must be between 1 and {MaxLimit}.");
        return new PageRequest(limit ?? DefaultLimit, string.IsNullOrEmpty(cursor) ? null : cursor, filter);
    }
}
