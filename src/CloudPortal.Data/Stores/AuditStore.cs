using System.Globalization;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using Dapper;

namespace CloudPortal.Data.Stores;

public sealed class AuditStore(SqliteDatabase database) : IAuditStore
{
    private const string Columns = """
        id AS Id, at AS At, user_id AS UserId, username AS Username, tenant_id AS TenantId, action AS Action,
        target_type AS TargetType, target_id AS TargetId, target_name AS TargetName, address AS Address,
        result AS Result, detail AS Detail
        """;

    public async Task<long> AppendAsync(AuditEntry entry, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO audit_log (at, user_id, username, tenant_id, action, target_type, target_id, target_name, address, result, detail)
            VALUES (@At, @UserId, @Username, @TenantId, @Action, @TargetType, @TargetId, @TargetName, @Address, @Result, @Detail)
            RETURNING id
            """, entry, cancellationToken: ct));
    }

    public async Task<Page<AuditEntry>> QueryAsync(AuditQuery query, PageRequest page, CancellationToken ct)
    {
        long? afterId = null;
        if (page.Cursor is not null)
        {
            if (!long.TryParse(page.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                throw ValidationFailedException.For("cursor", "cursor is not one this API handed out.");
            afterId = parsed;
        }
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<AuditEntry>(new CommandDefinition($"""
            SELECT {Columns} FROM audit_log
            WHERE (@afterId IS NULL OR id < @afterId)
              AND (@from IS NULL OR at >= @from)
              AND (@to IS NULL OR at < @to)
              AND (@user IS NULL OR username = @user COLLATE NOCASE)
              AND (@tenantId IS NULL OR tenant_id = @tenantId)
              AND (@action IS NULL OR action = @action OR action LIKE @actionPrefix ESCAPE '\')
              AND (@result IS NULL OR result = @result)
              AND (@text IS NULL OR username LIKE @text ESCAPE '\' OR target_name LIKE @text ESCAPE '\'
                   OR target_id LIKE @text ESCAPE '\' OR address LIKE @text ESCAPE '\' OR detail LIKE @text ESCAPE '\'
                   OR action LIKE @text ESCAPE '\')
            ORDER BY id DESC
            LIMIT @take
            """,
            new
            {
                afterId,
                from = query.From is { } from ? DapperTypeHandlers.Text(from) : null,
                to = query.To is { } to ? DapperTypeHandlers.Text(to) : null,
                user = Blank(query.User),
                tenantId = query.TenantId?.ToString("D"),
                action = Blank(query.ActionPrefix),
                actionPrefix = Blank(query.ActionPrefix) is { } prefix ? LikePattern.Escape(prefix) + ".%" : null,
                result = Blank(query.Result),
                text = Blank(query.Text) is { } text ? "%" + LikePattern.Escape(text) + "%" : null,
                take = page.Limit + 1,
            }, cancellationToken: ct))).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = rows[^1].Id.ToString(CultureInfo.InvariantCulture);
        }
        return new Page<AuditEntry>(rows, next);
    }

    public async Task<DateTimeOffset?> SignInLockedUntilAsync(string? username, string? address, int limit, TimeSpan window,
        DateTimeOffset now, CancellationToken ct)
    {
        if ((username is null) == (address is null))
            throw new ArgumentException("Give exactly one of username and address.");
        await using var connection = await database.OpenAsync(ct);
        // The limit-th newest failure in the window: while it is inside the window, the limit is reached.
        // A username's count starts again after its last successful sign-in; an address's count never does, so one
        // good password does not buy an address fresh guesses at other usernames.
        var at = username is not null
            ? await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
                SELECT at FROM audit_log
                WHERE action = 'signin' AND result = 'failed' AND username = @username COLLATE NOCASE AND at >= @since
                  AND at > coalesce((SELECT max(at) FROM audit_log
                                     WHERE action = 'signin' AND result = 'succeeded' AND username = @username COLLATE NOCASE), '')
                ORDER BY at DESC LIMIT 1 OFFSET @skip
                """, new { username, since = DapperTypeHandlers.Text(now - window), skip = limit - 1 }, cancellationToken: ct))
            : await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
                SELECT at FROM audit_log
                WHERE action = 'signin' AND result = 'failed' AND address = @address AND at >= @since
                ORDER BY at DESC LIMIT 1 OFFSET @skip
                """, new { address, since = DapperTypeHandlers.Text(now - window), skip = limit - 1 }, cancellationToken: ct));
        return at is null
            ? null
            : DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) + window;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
