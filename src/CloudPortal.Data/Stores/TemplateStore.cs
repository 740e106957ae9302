using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class TemplateStore(SqliteDatabase database) : ITemplateStore
{
    private const string Columns = """
        id AS Id, tenant_id AS TenantId, name AS Name, description AS Description, image_id AS ImageId, vcpus AS Vcpus,
        memory_mib AS MemoryMiB, disk_gib AS DiskGiB, network_id AS NetworkId, ssh_keys AS SshKeysJson, user_data AS UserData,
        labels AS LabelsJson, placement_group_id AS PlacementGroupId, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    private sealed record Row
    {
        public Guid Id { get; init; }
        public Guid TenantId { get; init; }
        public string Name { get; init; } = "";
        public string? Description { get; init; }
        public Guid? ImageId { get; init; }
        public int Vcpus { get; init; }
        public int MemoryMiB { get; init; }
        public int? DiskGiB { get; init; }
        public Guid? NetworkId { get; init; }
        public string SshKeysJson { get; init; } = "[]";
        public string? UserData { get; init; }
        public string LabelsJson { get; init; } = "[]";
        public Guid? PlacementGroupId { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }

        public MachineTemplate ToTemplate() => new()
        {
            Id = Id, TenantId = TenantId, Name = Name, Description = Description, ImageId = ImageId, Vcpus = Vcpus, MemoryMiB = MemoryMiB,
            DiskGiB = DiskGiB, NetworkId = NetworkId, SshKeys = JsonSerializer.Deserialize<List<string>>(SshKeysJson) ?? [], UserData = UserData,
            Labels = JsonSerializer.Deserialize<List<string>>(LabelsJson) ?? [], PlacementGroupId = PlacementGroupId, CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        };
    }

    private static object Parameters(MachineTemplate t) => new
    {
        t.Id, t.TenantId, t.Name, t.Description, t.ImageId, t.Vcpus, t.MemoryMiB, t.DiskGiB, t.NetworkId, SshKeys = JsonSerializer.Serialize(t.SshKeys),
        t.UserData, Labels = JsonSerializer.Serialize(t.Labels), t.PlacementGroupId, t.CreatedAt, t.UpdatedAt,
    };

    public async Task InsertAsync(MachineTemplate template, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO machine_templates (id, tenant_id, name, description, image_id, vcpus, memory_mib, disk_gib, network_id, ssh_keys,
                    user_data, labels, placement_group_id, created_at, updated_at)
                VALUES (@Id, @TenantId, @Name, @Description, @ImageId, @Vcpus, @MemoryMiB, @DiskGiB, @NetworkId, @SshKeys,
                    @UserData, @Labels, @PlacementGroupId, @CreatedAt, @UpdatedAt)
                """, Parameters(template), cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"The tenant already has a template named '{template.Name}'.");
        }
    }

    public async Task<bool> UpdateAsync(MachineTemplate template, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            return await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE machine_templates SET name = @Name, description = @Description, image_id = @ImageId, vcpus = @Vcpus, memory_mib = @MemoryMiB,
                    disk_gib = @DiskGiB, network_id = @NetworkId, ssh_keys = @SshKeys, user_data = @UserData, labels = @Labels,
                    placement_group_id = @PlacementGroupId, updated_at = @UpdatedAt
                WHERE id = @Id
                """, Parameters(template), cancellationToken: ct)) == 1;
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"The tenant already has a template named '{template.Name}'.");
        }
    }

    public async Task<MachineTemplate?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM machine_templates WHERE id = @id", new { id }, cancellationToken: ct)))?.ToTemplate();
    }

    public async Task<IReadOnlyList<MachineTemplate>> ListAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM machine_templates WHERE tenant_id = @tenantId ORDER BY name, id", new { tenantId }, cancellationToken: ct)))
            .Select(r => r.ToTemplate()).ToList();
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM machine_templates WHERE id = @id", new { id }, cancellationToken: ct)) == 1;
    }
}
