using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class HostStore(SqliteDatabase database) : IHostStore
{
    private const string Columns = """
        id AS Id, name AS Name, uri AS Uri, created_at AS CreatedAt, maintenance AS Maintenance,
        cpu_overcommit AS CpuOvercommit, memory_overcommit AS MemoryOvercommit, reserved_memory_mib AS ReservedMemoryMiB,
        labels AS LabelsJson
        """;

    public async Task<IReadOnlyList<Host>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<HostRow>(new CommandDefinition(
            $"SELECT {Columns} FROM hosts ORDER BY created_at, name", cancellationToken: ct))).Select(r => r.ToHost()).ToList();
    }

    public async Task<Host?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<HostRow>(new CommandDefinition(
            $"SELECT {Columns} FROM hosts WHERE id = @id", new { id }, cancellationToken: ct));
        return row?.ToHost();
    }

    public async Task InsertAsync(Host host, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO hosts (id, name, uri, created_at, maintenance, cpu_overcommit, memory_overcommit, reserved_memory_mib, labels)
                VALUES (@Id, @Name, @Uri, @CreatedAt, @Maintenance, @CpuOvercommit, @MemoryOvercommit, @ReservedMemoryMiB, @Labels)
                """,
                new
                {
                    host.Id, host.Name, host.Uri, host.CreatedAt, host.Maintenance, host.CpuOvercommit, host.MemoryOvercommit,
                    host.ReservedMemoryMiB, Labels = JsonSerializer.Serialize(host.Labels),
                }, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A host with the name '{host.Name}' or the URI '{host.Uri}' is already registered.");
        }
    }

    public async Task<bool> UpdateCapacityAsync(Guid id, HostCapacity capacity, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE hosts SET maintenance = @Maintenance, cpu_overcommit = @CpuOvercommit, memory_overcommit = @MemoryOvercommit,
                             reserved_memory_mib = @ReservedMemoryMiB, labels = @Labels
            WHERE id = @id
            """,
            new
            {
                id, capacity.Maintenance, capacity.CpuOvercommit, capacity.MemoryOvercommit, capacity.ReservedMemoryMiB,
                Labels = JsonSerializer.Serialize(capacity.Labels),
            }, cancellationToken: ct)) == 1;
    }

    /// <summary>The labels column is JSON text; Dapper fills this row and it becomes the domain record.</summary>
    private sealed class HostRow
    {
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public string Uri { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public bool Maintenance { get; init; }
        public double CpuOvercommit { get; init; }
        public double MemoryOvercommit { get; init; }
        public long ReservedMemoryMiB { get; init; }
        public string LabelsJson { get; init; } = "[]";

        public Host ToHost() => new()
        {
            Id = Id, Name = Name, Uri = Uri, CreatedAt = CreatedAt, Maintenance = Maintenance, CpuOvercommit = CpuOvercommit,
            MemoryOvercommit = MemoryOvercommit, ReservedMemoryMiB = ReservedMemoryMiB,
            Labels = JsonSerializer.Deserialize<string[]>(LabelsJson) ?? [],
        };
    }
}
