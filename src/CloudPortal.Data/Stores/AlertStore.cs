using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class AlertStore(SqliteDatabase database) : IAlertStore
{
    private const string RuleColumns = """
        id AS Id, tenant_id AS TenantId, name AS Name, scope AS Scope, target_id AS TargetId, metric AS Metric,
        comparison AS Comparison, threshold AS Threshold, duration_seconds AS DurationSeconds, enabled AS Enabled, created_at AS CreatedAt
        """;

    private const string AlertColumns = """
        id AS Id, rule_id AS RuleId, rule_name AS RuleName, tenant_id AS TenantId, subject_kind AS SubjectKind, subject_id AS SubjectId,
        subject_name AS SubjectName, metric AS Metric, comparison AS Comparison, threshold AS Threshold, value AS Value, state AS State,
        fired_at AS FiredAt, resolved_at AS ResolvedAt
        """;

    public async Task InsertRuleAsync(AlertRule rule, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO alert_rules (id, tenant_id, name, scope, target_id, metric, comparison, threshold, duration_seconds, enabled, created_at)
                VALUES (@Id, @TenantId, @Name, @Scope, @TargetId, @Metric, @Comparison, @Threshold, @DurationSeconds, @Enabled, @CreatedAt)
                """, rule, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw DuplicateName(rule);
        }
    }

    public async Task<bool> UpdateRuleAsync(AlertRule rule, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            return await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE alert_rules SET name = @Name, metric = @Metric, comparison = @Comparison, threshold = @Threshold,
                    duration_seconds = @DurationSeconds, enabled = @Enabled
                WHERE id = @Id
                """, rule, cancellationToken: ct)) == 1;
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw DuplicateName(rule);
        }
    }

    private static ConflictException DuplicateName(AlertRule rule) => new(rule.TenantId is null
        ? $"A host alert rule named '{rule.Name}' already exists."
        : $"The tenant already has an alert rule named '{rule.Name}'.");

    public async Task<AlertRule?> GetRuleAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<AlertRule>(new CommandDefinition(
            $"SELECT {RuleColumns} FROM alert_rules WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>By name then id; the cursor is the (id, name) of the last row of the previous page.</summary>
    public async Task<Page<AlertRule>> ListRulesAsync(Guid? tenantId, PageRequest page, CancellationToken ct)
    {
        var (afterName, afterId) = KeysetCursor.Decode(page.Cursor);
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<AlertRule>(new CommandDefinition($"""
            SELECT {RuleColumns} FROM alert_rules
            WHERE (@tenantId IS NULL OR tenant_id = @tenantId)
              AND (@afterName IS NULL OR name > @afterName OR (name = @afterName AND id > @afterId))
            ORDER BY name, id
            LIMIT @take
            """, new { tenantId, afterName, afterId, take = page.Limit + 1 }, cancellationToken: ct))).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = KeysetCursor.Encode(rows[^1].Id, rows[^1].Name);
        }
        return new Page<AlertRule>(rows, next);
    }

    public async Task<IReadOnlyList<AlertRule>> ListEnabledRulesAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<AlertRule>(new CommandDefinition(
            $"SELECT {RuleColumns} FROM alert_rules WHERE enabled = 1", cancellationToken: ct))).ToList();
    }

    public async Task<bool> DeleteRuleAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM alert_rules WHERE id = @id", new { id }, cancellationToken: ct)) == 1;
    }

    public async Task InsertAlertAsync(Alert alert, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO alerts (id, rule_id, rule_name, tenant_id, subject_kind, subject_id, subject_name, metric, comparison, threshold,
                value, state, fired_at, resolved_at)
            VALUES (@Id, @RuleId, @RuleName, @TenantId, @SubjectKind, @SubjectId, @SubjectName, @Metric, @Comparison, @Threshold,
                @Value, @State, @FiredAt, @ResolvedAt)
            """, alert, cancellationToken: ct));
    }

    public async Task<bool> ResolveAlertAsync(Guid id, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE alerts SET state = 'resolved', resolved_at = @at WHERE id = @id AND state = 'firing'",
            new { id, at }, cancellationToken: ct)) == 1;
    }

    /// <summary>Newest first; the cursor is the (id, fired_at) of the last row of the previous page.</summary>
    public async Task<Page<Alert>> ListAlertsAsync(Guid? tenantId, string? state, PageRequest page, CancellationToken ct)
    {
        var (afterFired, afterId) = KeysetCursor.Decode(page.Cursor);
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<Alert>(new CommandDefinition($"""
            SELECT {AlertColumns} FROM alerts
            WHERE (@tenantId IS NULL OR tenant_id = @tenantId)
              AND (@state IS NULL OR state = @state)
              AND (@afterFired IS NULL OR fired_at < @afterFired OR (fired_at = @afterFired AND id > @afterId))
            ORDER BY fired_at DESC, id
            LIMIT @take
            """, new { tenantId, state, afterFired, afterId, take = page.Limit + 1 }, cancellationToken: ct))).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = KeysetCursor.Encode(rows[^1].Id, DapperTypeHandlers.Text(rows[^1].FiredAt));
        }
        return new Page<Alert>(rows, next);
    }

    public async Task<IReadOnlyList<Alert>> ListFiringAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Alert>(new CommandDefinition(
            $"SELECT {AlertColumns} FROM alerts WHERE state = 'firing'", cancellationToken: ct))).ToList();
    }

    public async Task<int> CountFiringAsync(Guid? tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM alerts WHERE state = 'firing' AND (@tenantId IS NULL OR tenant_id = @tenantId)", new { tenantId }, cancellationToken: ct));
    }

    public async Task<int> PruneResolvedAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < @before", new { before }, cancellationToken: ct));
    }

    public async Task<AlertWebhook?> GetWebhookAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<AlertWebhook>(new CommandDefinition("""
            SELECT tenant_id AS TenantId, url AS Url, secret AS Secret, last_status AS LastStatus, last_attempt_at AS LastAttemptAt
            FROM alert_webhooks WHERE tenant_id = @tenantId
            """, new { tenantId }, cancellationToken: ct));
    }

    public async Task UpsertWebhookAsync(AlertWebhook webhook, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO alert_webhooks (tenant_id, url, secret, last_status, last_attempt_at)
                VALUES (@TenantId, @Url, @Secret, @LastStatus, @LastAttemptAt)
                ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret
                """, webhook, cancellationToken: ct));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            // The foreign key to tenants: no such tenant.
            throw new NotFoundException($"Tenant {webhook.TenantId} was not found.");
        }
    }

    public async Task<bool> DeleteWebhookAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM alert_webhooks WHERE tenant_id = @tenantId", new { tenantId }, cancellationToken: ct)) == 1;
    }

    public async Task RecordDeliveryAsync(Guid tenantId, string status, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE alert_webhooks SET last_status = @status, last_attempt_at = @at WHERE tenant_id = @tenantId",
            new { tenantId, status, at }, cancellationToken: ct));
    }
}
