using System.Data.Common;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class QuotaStore(SqliteDatabase database) : IQuotaStore
{
    internal const string LimitColumns = """
        machines AS Machines, vcpus AS Vcpus, memory_mib AS MemoryMiB, disk_gib AS DiskGiB, volumes AS Volumes,
        snapshots AS Snapshots, networks AS Networks, images AS Images, running_vcpus AS RunningVcpus,
        running_memory_mib AS RunningMemoryMiB, max_machine_vcpus AS MaxMachineVcpus,
        max_machine_memory_mib AS MaxMachineMemoryMiB, max_machine_disk_gib AS MaxMachineDiskGiB
        """;

    internal const string AmountColumns = """
        machines AS Machines, vcpus AS Vcpus, memory_mib AS MemoryMiB, disk_gib AS DiskGiB, volumes AS Volumes,
        snapshots AS Snapshots, networks AS Networks, images AS Images, running_vcpus AS RunningVcpus,
        running_memory_mib AS RunningMemoryMiB
        """;

    public async Task<bool> TenantExistsAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM tenants WHERE id = @tenantId", new { tenantId }, cancellationToken: ct)) > 0;
    }

    public async Task<IReadOnlyList<(Guid Id, string Name)>> ListTenantsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // Text columns, parsed here: Dapper's value-tuple mapping does not go through the GUID type handler.
        var rows = await connection.QueryAsync<(string Id, string Name)>(new CommandDefinition(
            "SELECT id, name FROM tenants ORDER BY name", cancellationToken: ct));
        return rows.Select(r => (Guid.Parse(r.Id), r.Name)).ToList();
    }

    public async Task<QuotaLimits> GetDefaultsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await DefaultsAsync(connection, null, ct);
    }

    public async Task<QuotaView> GetViewAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // One read transaction, so that limits, usage and reservations are one consistent snapshot.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var (limits, isDefault) = await QuotaLedger.LimitsAsync(connection, transaction, tenantId, ct);
        var usage = await QuotaLedger.UsageAsync(connection, transaction, tenantId, ct);
        var reserved = await QuotaLedger.ReservedAsync(connection, transaction, tenantId, ct);
        await transaction.CommitAsync(ct);
        return new QuotaView(tenantId, isDefault, limits, usage, reserved);
    }

    public async Task SetTenantLimitsAsync(Guid tenantId, QuotaLimits limits, Caller caller, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var (old, isDefault) = await QuotaLedger.LimitsAsync(connection, transaction, tenantId, ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO tenant_quotas (tenant_id, machines, vcpus, memory_mib, disk_gib, volumes, snapshots, networks, images,
                running_vcpus, running_memory_mib, max_machine_vcpus, max_machine_memory_mib, max_machine_disk_gib, updated_at)
            VALUES (@tenantId, @Machines, @Vcpus, @MemoryMiB, @DiskGiB, @Volumes, @Snapshots, @Networks, @Images,
                @RunningVcpus, @RunningMemoryMiB, @MaxMachineVcpus, @MaxMachineMemoryMiB, @MaxMachineDiskGiB, @now)
            ON CONFLICT (tenant_id) DO UPDATE SET
                machines = excluded.machines, vcpus = excluded.vcpus, memory_mib = excluded.memory_mib,
                disk_gib = excluded.disk_gib, volumes = excluded.volumes, snapshots = excluded.snapshots,
                networks = excluded.networks, images = excluded.images, running_vcpus = excluded.running_vcpus,
                running_memory_mib = excluded.running_memory_mib, max_machine_vcpus = excluded.max_machine_vcpus,
                max_machine_memory_mib = excluded.max_machine_memory_mib, max_machine_disk_gib = excluded.max_machine_disk_gib,
                updated_at = excluded.updated_at
            """, LimitParameters(limits, tenantId), transaction, cancellationToken: ct));
        await InsertHistoryAsync(connection, transaction, tenantId, caller, isDefault ? null : old, limits, ct);
        await transaction.CommitAsync(ct);
    }

    public async Task SetDefaultsAsync(QuotaLimits limits, Caller caller, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var old = await DefaultsAsync(connection, transaction, ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE quota_defaults SET machines = @Machines, vcpus = @Vcpus, memory_mib = @MemoryMiB, disk_gib = @DiskGiB,
                volumes = @Volumes, snapshots = @Snapshots, networks = @Networks, images = @Images,
                running_vcpus = @RunningVcpus, running_memory_mib = @RunningMemoryMiB, max_machine_vcpus = @MaxMachineVcpus,
                max_machine_memory_mib = @MaxMachineMemoryMiB, max_machine_disk_gib = @MaxMachineDiskGiB, updated_at = @now
            WHERE id = 1
            """, LimitParameters(limits, null), transaction, cancellationToken: ct));
        await InsertHistoryAsync(connection, transaction, null, caller, old, limits, ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<QuotaChange>> ListHistoryAsync(Guid? tenantId, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(long Id, string? TenantId, string? UserId, string? Username, string? OldLimits, string NewLimits, string At)>(
            new CommandDefinition("""
                SELECT id, tenant_id, user_id, username, old_limits, new_limits, at FROM quota_history
                WHERE (@tenantId IS NULL AND tenant_id IS NULL) OR tenant_id = @tenantId
                ORDER BY id DESC LIMIT @limit
                """, new { tenantId, limit }, cancellationToken: ct));
        return rows.Select(r => new QuotaChange(
            r.Id, r.TenantId is null ? null : Guid.Parse(r.TenantId), r.UserId is null ? null : Guid.Parse(r.UserId), r.Username,
            r.OldLimits is null ? null : JsonSerializer.Deserialize<QuotaLimits>(r.OldLimits),
            JsonSerializer.Deserialize<QuotaLimits>(r.NewLimits)!,
            DateTimeOffset.Parse(r.At, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal))).ToList();
    }

    public async Task ReserveAsync(Guid reservationId, Guid tenantId, Guid? machineId, string kind, QuotaAmounts amounts, MachineSize? size, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // BEGIN IMMEDIATE: the write lock is taken before the check reads, so no two reservations check the same figures.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        await QuotaLedger.ReserveAsync(connection, transaction, reservationId, tenantId, machineId, kind, amounts, size, ct);
        await transaction.CommitAsync(ct);
    }

    public async Task ReleaseAsync(Guid reservationId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM quota_reservations WHERE id = @reservationId", new { reservationId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<QuotaDrift>> RecomputeAsync(Guid tenantId, bool fix, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var recorded = await QuotaLedger.UsageAsync(connection, transaction, tenantId, ct);
        // The same rules the stores apply on every change: defined once out of provisioning, running while charged.
        var actual = await connection.QuerySingleAsync<QuotaAmounts>(new CommandDefinition("""
            SELECT count(*) AS Machines,
                   coalesce(sum(vcpus), 0) AS Vcpus,
                   coalesce(sum(memory_mib), 0) AS MemoryMiB,
                   coalesce(sum(disk_gib), 0) AS DiskGiB,
                   coalesce(sum(CASE WHEN state IN ('running', 'paused', 'migrating', 'stopping') THEN vcpus ELSE 0 END), 0) AS RunningVcpus,
                   coalesce(sum(CASE WHEN state IN ('running', 'paused', 'migrating', 'stopping') THEN memory_mib ELSE 0 END), 0) AS RunningMemoryMiB
            FROM machines
            WHERE tenant_id = @tenantId AND state <> 'provisioning'
            """, new { tenantId }, transaction, cancellationToken: ct))
            + await ImageStore.UsageOfImagesAsync(connection, transaction, tenantId, ct)
            + await VolumeStore.UsageOfVolumesAsync(connection, transaction, tenantId, ct)
            + await SnapshotStore.UsageOfSnapshotsAsync(connection, transaction, tenantId, ct);
        var drift = QuotaResources.All
            .Where(r => recorded.Of(r) != actual.Of(r))
            .Select(r => new QuotaDrift(r, recorded.Of(r), actual.Of(r)))
            .ToList();
        if (fix && drift.Count > 0)
        {
            await QuotaLedger.AddUsageAsync(connection, transaction, tenantId, actual - recorded, ct);
            // A create reservation whose machine is gone, or has left provisioning, can never be committed any more.
            await connection.ExecuteAsync(new CommandDefinition("""
                DELETE FROM quota_reservations
                WHERE tenant_id = @tenantId AND kind = 'create'
                  AND NOT EXISTS (SELECT 1 FROM machines m WHERE m.id = quota_reservations.machine_id AND m.state = 'provisioning')
                """, new { tenantId }, transaction, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
        return drift;
    }

    private static async Task<QuotaLimits> DefaultsAsync(DbConnection connection, DbTransaction? transaction, CancellationToken ct) =>
        await connection.QuerySingleAsync<QuotaLimits>(new CommandDefinition(
            $"SELECT {LimitColumns} FROM quota_defaults WHERE id = 1", transaction: transaction, cancellationToken: ct));

    private static object LimitParameters(QuotaLimits l, Guid? tenantId) => new
    {
        tenantId, l.Machines, l.Vcpus, l.MemoryMiB, l.DiskGiB, l.Volumes, l.Snapshots, l.Networks, l.Images,
        l.RunningVcpus, l.RunningMemoryMiB, l.MaxMachineVcpus, l.MaxMachineMemoryMiB, l.MaxMachineDiskGiB, now = Clock.Now(),
    };

    private static Task InsertHistoryAsync(DbConnection connection, DbTransaction transaction, Guid? tenantId, Caller caller,
        QuotaLimits? old, QuotaLimits @new, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quota_history (tenant_id, user_id, username, old_limits, new_limits, at)
            VALUES (@tenantId, @userId, @username, @oldLimits, @newLimits, @at)
            """,
            new
            {
                tenantId, userId = caller.UserId, username = caller.Username,
                oldLimits = old is null ? null : JsonSerializer.Serialize(old), newLimits = JsonSerializer.Serialize(@new), at = Clock.Now(),
            }, transaction, cancellationToken: ct));
}

/// <summary>
/// Ledger steps that run inside a caller's write transaction, so that a machine's row and its charge always change
/// together (the machine store uses them too).
/// </summary>
internal static class QuotaLedger
{
    public static async Task<(QuotaLimits Limits, bool IsDefault)> LimitsAsync(DbConnection connection, DbTransaction? transaction, Guid tenantId, CancellationToken ct)
    {
        var own = await connection.QuerySingleOrDefaultAsync<QuotaLimits>(new CommandDefinition(
            $"SELECT {QuotaStore.LimitColumns} FROM tenant_quotas WHERE tenant_id = @tenantId", new { tenantId }, transaction, cancellationToken: ct));
        if (own is not null)
            return (own, false);
        // The rule that replaces a hook in tenant creation: no row of its own means the default quota.
        var defaults = await connection.QuerySingleAsync<QuotaLimits>(new CommandDefinition(
            $"SELECT {QuotaStore.LimitColumns} FROM quota_defaults WHERE id = 1", transaction: transaction, cancellationToken: ct));
        return (defaults, true);
    }

    public static async Task<QuotaAmounts> UsageAsync(DbConnection connection, DbTransaction? transaction, Guid tenantId, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<QuotaAmounts>(new CommandDefinition(
            $"SELECT {QuotaStore.AmountColumns} FROM quota_usage WHERE tenant_id = @tenantId", new { tenantId }, transaction, cancellationToken: ct))
        ?? QuotaAmounts.Zero;

    public static async Task<QuotaAmounts> ReservedAsync(DbConnection connection, DbTransaction? transaction, Guid tenantId, CancellationToken ct) =>
        await connection.QuerySingleAsync<QuotaAmounts>(new CommandDefinition("""
            SELECT coalesce(sum(machines), 0) AS Machines, coalesce(sum(vcpus), 0) AS Vcpus, coalesce(sum(memory_mib), 0) AS MemoryMiB,
                   coalesce(sum(disk_gib), 0) AS DiskGiB, coalesce(sum(volumes), 0) AS Volumes, coalesce(sum(snapshots), 0) AS Snapshots,
                   coalesce(sum(networks), 0) AS Networks, coalesce(sum(images), 0) AS Images,
                   coalesce(sum(running_vcpus), 0) AS RunningVcpus, coalesce(sum(running_memory_mib), 0) AS RunningMemoryMiB
            FROM quota_reservations WHERE tenant_id = @tenantId
            """, new { tenantId }, transaction, cancellationToken: ct));

    /// <summary>Throws <see cref="QuotaExceededException"/> unless limit ≥ usage + reservations + request for every resource (and the per-machine caps for <paramref name="size"/>).</summary>
    public static async Task EnsureFitsAsync(DbConnection connection, DbTransaction transaction, Guid tenantId, QuotaAmounts request, MachineSize? size,
        CancellationToken ct)
    {
        var (limits, _) = await LimitsAsync(connection, transaction, tenantId, ct);
        var used = await UsageAsync(connection, transaction, tenantId, ct) + await ReservedAsync(connection, transaction, tenantId, ct);
        var violations = QuotaRules.Violations(limits, used, request, size);
        if (violations.Count > 0)
            throw new QuotaExceededException(violations);
    }

    /// <summary>Checks limit ≥ usage + reservations + request for every resource, then records the reservation. The transaction must hold the write lock.</summary>
    public static async Task ReserveAsync(DbConnection connection, DbTransaction transaction, Guid reservationId, Guid tenantId, Guid? machineId,
        string kind, QuotaAmounts amounts, MachineSize? size, CancellationToken ct)
    {
        await EnsureFitsAsync(connection, transaction, tenantId, amounts, size, ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quota_reservations (id, tenant_id, machine_id, kind, machines, vcpus, memory_mib, disk_gib, volumes, snapshots,
                networks, images, running_vcpus, running_memory_mib, created_at)
            VALUES (@reservationId, @tenantId, @machineId, @kind, @Machines, @Vcpus, @MemoryMiB, @DiskGiB, @Volumes, @Snapshots,
                @Networks, @Images, @RunningVcpus, @RunningMemoryMiB, @now)
            """,
            new
            {
                reservationId, tenantId, machineId, kind, amounts.Machines, amounts.Vcpus, amounts.MemoryMiB, amounts.DiskGiB, amounts.Volumes,
                amounts.Snapshots, amounts.Networks, amounts.Images, amounts.RunningVcpus, amounts.RunningMemoryMiB, now = Clock.Now(),
            }, transaction, cancellationToken: ct));
    }

    public static async Task AddUsageAsync(DbConnection connection, DbTransaction transaction, Guid tenantId, QuotaAmounts delta, CancellationToken ct)
    {
        if (delta == QuotaAmounts.Zero)
            return;
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quota_usage (tenant_id, machines, vcpus, memory_mib, disk_gib, volumes, snapshots, networks, images,
                running_vcpus, running_memory_mib, updated_at)
            VALUES (@tenantId, @Machines, @Vcpus, @MemoryMiB, @DiskGiB, @Volumes, @Snapshots, @Networks, @Images,
                @RunningVcpus, @RunningMemoryMiB, @now)
            ON CONFLICT (tenant_id) DO UPDATE SET
                machines = machines + excluded.machines, vcpus = vcpus + excluded.vcpus, memory_mib = memory_mib + excluded.memory_mib,
                disk_gib = disk_gib + excluded.disk_gib, volumes = volumes + excluded.volumes, snapshots = snapshots + excluded.snapshots,
                networks = networks + excluded.networks, images = images + excluded.images,
                running_vcpus = running_vcpus + excluded.running_vcpus, running_memory_mib = running_memory_mib + excluded.running_memory_mib,
                updated_at = excluded.updated_at
            """,
            new
            {
                tenantId, delta.Machines, delta.Vcpus, delta.MemoryMiB, delta.DiskGiB, delta.Volumes, delta.Snapshots, delta.Networks,
                delta.Images, delta.RunningVcpus, delta.RunningMemoryMiB, now = Clock.Now(),
            }, transaction, cancellationToken: ct));
    }

    public static Task DeleteReservationAsync(DbConnection connection, DbTransaction transaction, Guid reservationId, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM quota_reservations WHERE id = @reservationId", new { reservationId }, transaction, cancellationToken: ct));

    public static Task DeleteCreateReservationsAsync(DbConnection connection, DbTransaction transaction, Guid machineId, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM quota_reservations WHERE machine_id = @machineId AND kind = 'create'", new { machineId }, transaction, cancellationToken: ct));
}
