using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using Dapper;

namespace CloudPortal.Data.Stores;

public sealed class FleetStore(SqliteDatabase database) : IFleetStore
{
    public async Task<IReadOnlyDictionary<MachineState, int>> CountByStateAsync(Guid? tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string State, long Count)>(new CommandDefinition("""
            SELECT state, count(*) FROM machines
            WHERE @tenantId IS NULL OR tenant_id = @tenantId
            GROUP BY state
            """, new { tenantId = tenantId?.ToString("D") }, cancellationToken: ct));
        return rows.ToDictionary(r => Enum.Parse<MachineState>(r.State, ignoreCase: true), r => (int)r.Count);
    }

    public async Task<IReadOnlyList<MachineSummary>> ListMachinesAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT id AS Id, name AS Name, tenant_id AS TenantId, host_id AS HostId, state AS State, vcpus AS Vcpus, memory_mib AS MemoryMiB
            FROM machines WHERE tenant_id = @tenantId ORDER BY name
            """, new { tenantId = tenantId.ToString("D") }, cancellationToken: ct));
        return rows.Select(r => new MachineSummary(r.Id, r.Name, r.TenantId, r.HostId, Enum.Parse<MachineState>(r.State, ignoreCase: true),
            (int)r.Vcpus, (int)r.MemoryMiB)).ToList();
    }

    // Settable properties, so that Dapper applies the portal's Guid handler to the text ids.
    private sealed class Row
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public Guid TenantId { get; set; }
        public Guid HostId { get; set; }
        public string State { get; set; } = "";
        public long Vcpus { get; set; }
        public long MemoryMiB { get; set; }
    }
}
