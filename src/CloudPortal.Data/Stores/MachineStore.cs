using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Quotas;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class MachineStore(SqliteDatabase database) : IMachineStore
{
    private const string Columns = """
        id AS Id, name AS Name, tenant_id AS TenantId, owner_id AS OwnerId, host_id AS HostId, state AS State,
        vcpus AS Vcpus, memory_mib AS MemoryMiB, domain_uuid AS DomainUuid, last_error AS LastError,
        created_at AS CreatedAt, updated_at AS UpdatedAt, image_id AS ImageId, disk_gib AS DiskGiB,
        (SELECT pg.group_id FROM machine_placement_groups pg WHERE pg.machine_id = machines.id) AS PlacementGroupId
        """;

    public Task InsertWithOperationAsync(Machine machine, Operation operation, CancellationToken ct) =>
        InsertWithOperationAsync(machine, operation, null, null, ct);

    public async Task InsertWithOperationAsync(Machine machine, Operation operation, QuotaAmounts? reservation, MachineSize? size, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Immediate: the quota check reads under the write lock, so concurrent creates cannot both pass it.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        try
        {
            if (reservation is not null)
                await QuotaLedger.ReserveAsync(connection, transaction, operation.Id, machine.TenantId, machine.Id,
                    ReservationKinds.Create, reservation, size, ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO machines (id, name, tenant_id, owner_id, host_id, state, vcpus, memory_mib, domain_uuid, last_error, created_at, updated_at,
                    image_id, disk_gib)
                VALUES (@Id, @Name, @TenantId, @OwnerId, @HostId, @State, @Vcpus, @MemoryMiB, @DomainUuid, @LastError, @CreatedAt, @UpdatedAt,
                    @ImageId, @DiskGiB)
                """,
                new
                {
                    machine.Id, machine.Name, machine.TenantId, machine.OwnerId, machine.HostId,
                    State = machine.State.ToContractName(), machine.Vcpus, machine.MemoryMiB, machine.DomainUuid, machine.ImageId,
                    machine.LastError, machine.CreatedAt, machine.UpdatedAt, machine.DiskGiB,
                }, transaction, cancellationToken: ct));
            // In the create's transaction: a group deleted meanwhile fails the create rather than leaving a stray member.
            if (machine.PlacementGroupId is { } groupId)
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO machine_placement_groups (machine_id, group_id) VALUES (@machineId, @groupId)",
                    new { machineId = machine.Id, groupId }, transaction, cancellationToken: ct));
            await OperationStore.InsertAsync(connection, transaction, operation, ct);
            await transaction.CommitAsync(ct);
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A machine named '{machine.Name}' already exists in this tenant.");
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && machine.PlacementGroupId is not null)
        {
            // SQLITE_CONSTRAINT on the membership's foreign key: the group is gone.
            throw new NotFoundException($"Placement group {machine.PlacementGroupId} was not found.");
        }
    }

    public async Task<Machine?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Machine>(new CommandDefinition(
            $"SELECT {Columns} FROM machines WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<Machine?> GetByDomainUuidAsync(Guid domainUuid, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Machine>(new CommandDefinition(
            $"SELECT {Columns} FROM machines WHERE domain_uuid = @domainUuid", new { domainUuid }, cancellationToken: ct));
    }

    /// <summary>Newest first; the cursor is the (created_at, id) of the last row of the previous page.</summary>
    public async Task<Page<Machine>> ListAsync(Guid? tenantId, PageRequest page, CancellationToken ct)
    {
        var (afterCreated, afterId) = CreatedAtCursor.Decode(page.Cursor);
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<Machine>(new CommandDefinition($"""
            SELECT {Columns} FROM machines
            WHERE (@tenantId IS NULL OR tenant_id = @tenantId)
              AND (@filter IS NULL OR name LIKE '%' || @filter || '%' ESCAPE '\' OR state = lower(@filterExact))
              AND (@afterCreated IS NULL OR created_at < @afterCreated OR (created_at = @afterCreated AND id < @afterId))
            ORDER BY created_at DESC, id DESC
            LIMIT @take
            """,
            new
            {
                tenantId,
                filter = string.IsNullOrWhiteSpace(page.Filter) ? null : LikePattern.Escape(page.Filter.Trim()),
                filterExact = page.Filter?.Trim(),
                afterCreated,
                afterId,
                take = page.Limit + 1,
            }, cancellationToken: ct))).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = CreatedAtCursor.Encode(rows[^1].CreatedAt, rows[^1].Id);
        }
        return new Page<Machine>(rows, next);
    }

    public async Task<IReadOnlyList<Machine>> ListByHostAsync(Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Machine>(new CommandDefinition(
            $"SELECT {Columns} FROM machines WHERE host_id = @hostId ORDER BY name", new { hostId }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<HostAllocation>> ListAllocationsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<HostAllocation>(new CommandDefinition("""
            SELECT host_id AS HostId, tenant_id AS TenantId, SUM(vcpus) AS Vcpus, SUM(memory_mib) AS MemoryMiB,
                   SUM(state = 'running') AS Running
            FROM machines GROUP BY host_id, tenant_id
            """, cancellationToken: ct))).ToList();
    }

    public async Task<bool> UpdateHostAsync(Guid id, Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE machines SET host_id = @hostId, updated_at = @now WHERE id = @id", new { id, hostId, now = Clock.Now() }, cancellationToken: ct)) > 0;
    }

    public async Task<int> CountRunningByHostAsync(Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM machines WHERE host_id = @hostId AND state = 'running'", new { hostId }, cancellationToken: ct));
    }

    public Task<bool> UpdateStateAsync(Guid id, MachineState state, string? lastError, CancellationToken ct) =>
        UpdateStateAsync(id, state, lastError, null, ct);

    public async Task<bool> UpdateStateAsync(Guid id, MachineState state, string? lastError, Guid? releaseReservationId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Immediate: the old state is read under the write lock, so the charge moved is exactly the transition made.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        if (releaseReservationId is { } reservationId)
            await QuotaLedger.DeleteReservationAsync(connection, transaction, reservationId, ct);
        var before = await ChargeRowAsync(connection, transaction, id, ct);
        if (before is null)
        {
            await transaction.CommitAsync(ct);
            return false;
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE machines SET state = @state, last_error = @lastError, updated_at = @now WHERE id = @id
            """, new { id, state = state.ToContractName(), lastError, now = Clock.Now() }, transaction, cancellationToken: ct));
        await ChargeTransitionAsync(connection, transaction, before, state, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<bool> UpdateStateIfAsync(Guid id, MachineState expected, MachineState state, string? lastError, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var before = await ChargeRowAsync(connection, transaction, id, ct);
        if (before is null || before.State != expected.ToContractName())
            return false;
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE machines SET state = @state, last_error = @lastError, updated_at = @now WHERE id = @id
            """, new { id, state = state.ToContractName(), lastError, now = Clock.Now() }, transaction, cancellationToken: ct));
        await ChargeTransitionAsync(connection, transaction, before, state, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<bool> TryBeginAsync(Guid id, MachineState transitional, Operation operation, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var before = await ChargeRowAsync(connection, transaction, id, ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE machines SET state = @state, last_error = NULL, updated_at = @now
            WHERE id = @id AND state NOT IN ('provisioning', 'deleting', 'migrating', 'stopping')
            """, new { id, state = transitional.ToContractName(), now = Clock.Now() }, transaction, cancellationToken: ct));
        if (changed != 1 || before is null)
            return false;
        await ChargeTransitionAsync(connection, transaction, before, transitional, ct);
        await OperationStore.InsertAsync(connection, transaction, operation, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var before = await ChargeRowAsync(connection, transaction, id, ct);
        var snapshots = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM snapshots WHERE machine_id = @id", new { id }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM machines WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        if (before is not null)
        {
            // A machine still provisioning was held by its create reservation only: dropping that is its whole release.
            await QuotaLedger.DeleteCreateReservationsAsync(connection, transaction, id, ct);
            var state = ParseState(before.State);
            var release = QuotaAmounts.Zero;
            if (QuotaResources.IsChargedDefined(state))
                release += QuotaAmounts.DefinedOf(before.Vcpus, before.MemoryMiB, before.DiskGiB);
            if (QuotaResources.IsChargedRunning(state))
                release += QuotaAmounts.RunningOf(before.Vcpus, before.MemoryMiB);
            // Its snapshots went with it (the rows by cascade): so does their charge.
            release += new QuotaAmounts { Snapshots = snapshots };
            await QuotaLedger.AddUsageAsync(connection, transaction, before.TenantId, release.Negate(), ct);
        }
        await transaction.CommitAsync(ct);
    }

    public async Task<bool> SetImageAsync(Guid id, Guid? imageId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE machines SET image_id = @imageId, updated_at = @now WHERE id = @id", new { id, imageId, now = Clock.Now() }, cancellationToken: ct)) == 1;
    }

    public async Task<bool> RenameAsync(Guid id, string from, string to, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE machines SET name = @to, updated_at = @now WHERE id = @id AND name = @from",
                new { id, from, to, now = Clock.Now() }, cancellationToken: ct)) == 1;
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A machine named '{to}' already exists in this tenant.");
        }
    }

    public async Task<bool> ResizeAsync(Guid id, MachineState state, int fromVcpus, int fromMemoryMiB, int toVcpus, int toMemoryMiB,
        bool checkQuota, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Immediate: the quota check and the update see the same figures, as a create's reservation does.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var before = await ChargeRowAsync(connection, transaction, id, ct);
        if (before is null || before.State != state.ToContractName() || before.Vcpus != fromVcpus || before.MemoryMiB != fromMemoryMiB)
            return false;
        var delta = new QuotaAmounts { Vcpus = toVcpus - fromVcpus, MemoryMiB = toMemoryMiB - fromMemoryMiB };
        if (QuotaResources.IsChargedRunning(state))
            delta += QuotaAmounts.RunningOf(toVcpus - fromVcpus, toMemoryMiB - fromMemoryMiB);
        if (checkQuota)
        {
            var (limits, _) = await QuotaLedger.LimitsAsync(connection, transaction, before.TenantId, ct);
            var used = await QuotaLedger.UsageAsync(connection, transaction, before.TenantId, ct)
                + await QuotaLedger.ReservedAsync(connection, transaction, before.TenantId, ct);
            // Only growth is checked against the pools (a shrink always fits); the caps apply to the new size whole.
            var growth = new QuotaAmounts
            {
                Vcpus = Math.Max(0, delta.Vcpus), MemoryMiB = Math.Max(0, delta.MemoryMiB),
                RunningVcpus = Math.Max(0, delta.RunningVcpus), RunningMemoryMiB = Math.Max(0, delta.RunningMemoryMiB),
            };
            var violations = QuotaRules.Violations(limits, used, growth, new MachineSize(toVcpus, toMemoryMiB));
            if (violations.Count > 0)
                throw new QuotaExceededException(violations);
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE machines SET vcpus = @toVcpus, memory_mib = @toMemoryMiB, updated_at = @now WHERE id = @id
            """, new { id, toVcpus, toMemoryMiB, now = Clock.Now() }, transaction, cancellationToken: ct));
        if (QuotaResources.IsChargedDefined(state))
            await QuotaLedger.AddUsageAsync(connection, transaction, before.TenantId, delta, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<bool> ResizeDiskAsync(Guid id, int fromGiB, int toGiB, bool checkQuota, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Immediate: the check and the charge see the same figures, so two growths cannot both take the last GiB.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var before = await ChargeRowAsync(connection, transaction, id, ct);
        if (before is null || before.DiskGiB != fromGiB)
            return false;
        var state = ParseState(before.State);
        if (checkQuota)
        {
            var (limits, _) = await QuotaLedger.LimitsAsync(connection, transaction, before.TenantId, ct);
            var used = await QuotaLedger.UsageAsync(connection, transaction, before.TenantId, ct)
                + await QuotaLedger.ReservedAsync(connection, transaction, before.TenantId, ct);
            // Only growth is checked against the pool (a smaller disk always fits), and only the disk cap applies: the
            // machine's vCPUs and memory are not what changes here.
            var violations = QuotaRules.Violations(limits, used, new QuotaAmounts { DiskGiB = Math.Max(0, toGiB - fromGiB) }, new MachineSize(0, 0, toGiB));
            if (violations.Count > 0)
                throw new QuotaExceededException(violations);
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE machines SET disk_gib = @toGiB, updated_at = @now WHERE id = @id",
            new { id, toGiB, now = Clock.Now() }, transaction, cancellationToken: ct));
        // A machine still provisioning is held by its create reservation, which leaving that state turns into usage.
        if (QuotaResources.IsChargedDefined(state))
            await QuotaLedger.AddUsageAsync(connection, transaction, before.TenantId, new QuotaAmounts { DiskGiB = toGiB - fromGiB }, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    private sealed class ChargeRow
    {
        public Guid Id { get; init; }
        public Guid TenantId { get; init; }
        public string State { get; init; } = "";
        public int Vcpus { get; init; }
        public int MemoryMiB { get; init; }
        public int DiskGiB { get; init; }
    }

    private static Task<ChargeRow?> ChargeRowAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Guid id, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<ChargeRow>(new CommandDefinition(
            "SELECT id AS Id, tenant_id AS TenantId, state AS State, vcpus AS Vcpus, memory_mib AS MemoryMiB, disk_gib AS DiskGiB FROM machines WHERE id = @id",
            new { id }, transaction, cancellationToken: ct));

    /// <summary>
    /// The ledger side of a state change, in the transaction that makes it: leaving provisioning turns the create
    /// reservation into defined usage; entering or leaving a charged-running state moves the running charge.
    /// </summary>
    private static async Task ChargeTransitionAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction,
        ChargeRow before, MachineState to, CancellationToken ct)
    {
        var from = ParseState(before.State);
        var delta = QuotaAmounts.RunningDelta(from, to, before.Vcpus, before.MemoryMiB);
        var wasDefined = QuotaResources.IsChargedDefined(from);
        var isDefined = QuotaResources.IsChargedDefined(to);
        if (!wasDefined && isDefined)
        {
            await QuotaLedger.DeleteCreateReservationsAsync(connection, transaction, before.Id, ct);
            delta += QuotaAmounts.DefinedOf(before.Vcpus, before.MemoryMiB, before.DiskGiB);
        }
        else if (wasDefined && !isDefined)
            delta -= QuotaAmounts.DefinedOf(before.Vcpus, before.MemoryMiB, before.DiskGiB);
        await QuotaLedger.AddUsageAsync(connection, transaction, before.TenantId, delta, ct);
    }

    private static MachineState ParseState(string state) => Enum.Parse<MachineState>(state, ignoreCase: true);

}
