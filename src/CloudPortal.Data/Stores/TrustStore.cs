using CloudPortal.Core.Common;
using CloudPortal.Core.Placement;
using Dapper;

namespace CloudPortal.Data.Stores;

public sealed class TrustStore(SqliteDatabase database) : ITrustStore
{
    private sealed record TenantRow(Guid Id, string Name, string Isolation, string? PlacementMode);
    private sealed record HostRow(Guid HostId, Guid TenantId);
    private sealed record PairRow(Guid A, Guid B);

    public async Task<TrustSettings> LoadAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var tenants = await connection.QueryAsync<TenantRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, isolation AS Isolation, placement_mode AS PlacementMode FROM tenants", cancellationToken: ct));
        var hosts = await connection.QueryAsync<HostRow>(new CommandDefinition(
            "SELECT host_id AS HostId, tenant_id AS TenantId FROM host_tenants", cancellationToken: ct));
        var pairs = await connection.QueryAsync<PairRow>(new CommandDefinition(
            "SELECT tenant_a AS A, tenant_b AS B FROM tenants_apart", cancellationToken: ct));
        return new TrustSettings(
            tenants.ToDictionary(t => t.Id, t => (t.Name, t.Isolation)),
            hosts.ToDictionary(h => h.HostId, h => h.TenantId),
            pairs.Select(p => (p.A, p.B)).ToList())
        {
            TenantModes = tenants.Where(t => PlacementModes.Parse(t.PlacementMode) is not null)
                .ToDictionary(t => t.Id, t => PlacementModes.Parse(t.PlacementMode)!.Value),
        };
    }

    public async Task SetIsolationAsync(Guid tenantId, string isolation, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE tenants SET isolation = @isolation WHERE id = @tenantId", new { tenantId, isolation }, cancellationToken: ct));
    }

    public async Task SetPlacementModeAsync(Guid tenantId, PlacementMode? mode, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE tenants SET placement_mode = @mode WHERE id = @tenantId", new { tenantId, mode = mode?.ToContractName() }, cancellationToken: ct));
    }

    public async Task AssignHostAsync(Guid hostId, Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Re-assigning to the same tenant is a no-op (PUT is idempotent); another owner is a conflict, not a silent move.
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO host_tenants (host_id, tenant_id, created_at) VALUES (@hostId, @tenantId, @now)
            ON CONFLICT (host_id) DO UPDATE SET tenant_id = tenant_id WHERE tenant_id = excluded.tenant_id
            """, new { hostId, tenantId, now = Clock.Now() }, cancellationToken: ct));
        if (changed == 0)
            throw new ConflictException("The host is already assigned to another tenant: remove that assignment first.");
    }

    public async Task<bool> UnassignHostAsync(Guid hostId, Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM host_tenants WHERE host_id = @hostId AND tenant_id = @tenantId", new { hostId, tenantId }, cancellationToken: ct)) > 0;
    }

    public async Task KeepApartAsync(Guid tenantId, Guid otherId, CancellationToken ct)
    {
        var (a, b) = Ordered(tenantId, otherId);
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO tenants_apart (tenant_a, tenant_b, created_at) VALUES (@a, @b, @now) ON CONFLICT DO NOTHING
            """, new { a, b, now = Clock.Now() }, cancellationToken: ct));
    }

    public async Task<bool> RemoveApartAsync(Guid tenantId, Guid otherId, CancellationToken ct)
    {
        var (a, b) = Ordered(tenantId, otherId);
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM tenants_apart WHERE tenant_a = @a AND tenant_b = @b", new { a, b }, cancellationToken: ct)) > 0;
    }

    /// <summary>The pair as stored: the smaller id (as the text SQLite compares) first, so each pair has one row.</summary>
    private static (Guid A, Guid B) Ordered(Guid x, Guid y) =>
        string.CompareOrdinal(x.ToString("D"), y.ToString("D")) < 0 ? (x, y) : (y, x);
}
