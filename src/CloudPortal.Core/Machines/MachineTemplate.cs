using CloudPortal.Core.Common;

namespace CloudPortal.Core.Machines;

/// <summary>A tenant's saved create request, launched as one or many machines.</summary>
public sealed record MachineTemplate
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public Guid? ImageId { get; init; }
    public int Vcpus { get; init; }
    public int MemoryMiB { get; init; }
    public int? DiskGiB { get; init; }
    public Guid? NetworkId { get; init; }
    /// <summary>Key lines (not profile ids): any member of the tenant may launch the template.</summary>
    public IReadOnlyList<string> SshKeys { get; init; } = [];
    public string? UserData { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];
    public Guid? PlacementGroupId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The create request for one machine of this template.</summary>
    public MachineRequest RequestFor(string name) =>
        new(name, Vcpus, MemoryMiB, Labels.ToList<string?>(), PlacementGroupId, ImageId?.ToString(), ImageId is null ? null : DiskGiB, NetworkId)
        {
            CloudInit = ImageId is null ? null : new MachineCloudInit(name.ToLowerInvariant(), null, SshKeys, UserData),
        };
}

/// <summary>What a caller sends to save a template (sshKeyIds are resolved to key lines from the caller's profile).</summary>
public sealed record TemplateRequest(string? Name, string? Description, string? ImageId, Guid? SizeId, int? Vcpus, int? MemoryMiB, int? DiskGiB,
    Guid? NetworkId, IReadOnlyList<Guid>? SshKeyIds, IReadOnlyList<string>? SshKeys, string? UserData, IReadOnlyList<string?>? Labels,
    Guid? PlacementGroupId);

public interface ITemplateStore
{
    /// <summary>A name taken in the tenant is a <see cref="ConflictException"/>.</summary>
    Task InsertAsync(MachineTemplate template, CancellationToken ct);
    Task<bool> UpdateAsync(MachineTemplate template, CancellationToken ct);
    Task<MachineTemplate?> GetAsync(Guid id, CancellationToken ct);
    Task<IReadOnlyList<MachineTemplate>> ListAsync(Guid tenantId, CancellationToken ct);
    Task<bool> DeleteAsync(Guid id, CancellationToken ct);
}
