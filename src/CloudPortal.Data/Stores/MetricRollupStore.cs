using CloudPortal.Core.Monitoring;
using Dapper;

namespace CloudPortal.Data.Stores;

public sealed class MetricRollupStore(SqliteDatabase database) : IMetricRollupStore
{
    public async Task WriteAsync(IReadOnlyCollection<MetricRollup> rollups, CancellationToken ct)
    {
        if (rollups.Count == 0)
            return;
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // One prepared statement run per row inside one transaction: one fsync for the whole batch.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT OR REPLACE INTO metric_rollups (entity_id, metric, resolution, bucket, entity_kind, avg, max, samples)
            VALUES (@EntityId, @Metric, @ResolutionSeconds, @BucketUnixSeconds, @Kind, @Average, @Max, @Samples)
            """,
            rollups.Select(r => new
            {
                EntityId = r.EntityId.ToString("D"),
                r.Metric,
                r.ResolutionSeconds,
                r.BucketUnixSeconds,
                Kind = r.Entity == MetricEntity.Host ? "host" : "machine",
                r.Average,
                r.Max,
                r.Samples,
            }), transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<MetricRollup>> ReadAsync(Guid entityId, int resolutionSeconds, long fromUnixSeconds, long toUnixSeconds, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT entity_kind AS Kind, metric AS Metric, bucket AS Bucket, avg AS Average, max AS Max, samples AS Samples
            FROM metric_rollups
            WHERE entity_id = @entityId AND resolution = @resolutionSeconds AND bucket >= @fromUnixSeconds AND bucket < @toUnixSeconds
            ORDER BY metric, bucket
            """, new { entityId = entityId.ToString("D"), resolutionSeconds, fromUnixSeconds, toUnixSeconds }, cancellationToken: ct));
        return rows.Select(r => new MetricRollup(r.Kind == "host" ? MetricEntity.Host : MetricEntity.Machine, entityId, r.Metric,
            resolutionSeconds, r.Bucket, r.Average, r.Max, (int)r.Samples)).ToList();
    }

    public async Task<int> PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM metric_rollups WHERE resolution = 60 AND bucket < @minuteCutoff;
            DELETE FROM metric_rollups WHERE resolution = 3600 AND bucket < @hourCutoff;
            """,
            new
            {
                minuteCutoff = (now - RollupResolutions.MinuteRetention).ToUnixTimeSeconds(),
                hourCutoff = (now - RollupResolutions.HourRetention).ToUnixTimeSeconds(),
            }, cancellationToken: ct));
    }

    private sealed record Row(string Kind, string Metric, long Bucket, double Average, double Max, long Samples);
}
