using System.Text.RegularExpressions;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Machines;

/// <summary>What a tenant asks for when creating a machine.</summary>
/// <remarks>Without <see cref="ImageId"/> the machine is diskless; <see cref="DiskGiB"/> sizes the root disk made from the image.</remarks>
public sealed record MachineRequest(string? Name, int? Vcpus, int? MemoryMiB, IReadOnlyList<string?>? Labels = null, Guid? PlacementGroupId = null,
    string? ImageId = null, int? DiskGiB = null, Guid? NetworkId = null, Guid? SecurityGroupId = null)
{
    /// <summary>What the guest gets in its NoCloud seed at first boot; null for no seed.</summary>
    public MachineCloudInit? CloudInit { get; init; }

    /// <summary>A clone: the stopped machine whose disk the new one gets a copy of (on the same host).</summary>
    internal Machine? CloneOf { get; init; }

    /// <summary>Held on the clone's source until its disk is copied, so it cannot start meanwhile.</summary>
    internal IDisposable? CloneClaim { get; init; }

    /// <summary>A clone from one of the source's snapshots: the disk is copied as that snapshot left it.</summary>
    internal MachineSnapshot? CloneSnapshot { get; init; }

    /// <summary>The size of the source's disk (GiB, rounded up) that a clone gets a copy of: what its quota charge is.</summary>
    internal int CloneDiskGiB { get; init; }
}

/// <summary>
/// The cloud-init part of a create: hostname (default the machine's name), SSH keys from the caller's profile
/// (<see cref="SshKeyIds"/>) and pasted (<see cref="SshKeys"/>), and user-data (a script or #cloud-config).
/// </summary>
public sealed record MachineCloudInit(string? Hostname, IReadOnlyList<Guid>? SshKeyIds, IReadOnlyList<string>? SshKeys, string? UserData)
{
    public bool IsEmpty => Hostname is null && (SshKeyIds?.Count ?? 0) == 0 && (SshKeys?.Count ?? 0) == 0 && UserData is null;
}

public static partial class MachineRequestRules
{
    public const int MaxNameLength = 63;
    public const int MinVcpus = 1;
    public const int MaxVcpus = 64;
    public const int MinMemoryMiB = 32;
    public const int MaxMemoryMiB = 256 * 1024;
    public const int MinDiskGiB = 1;
    public const int MaxDiskGiB = 64 * 1024;

    [GeneratedRegex("^[A-Za-z0-9-]{1,63}\\z")]
    private static partial Regex NamePattern();

    /// <summary>
    /// Checks every number before it can reach domain XML: libvirtd 9.0 aborts on some absurd values
    /// (a negative vCPU count makes it allocate ~32 GiB and die), taking every client down with it.
    /// </summary>
    public static ValidMachineRequest Validate(MachineRequest request)
    {
        var errors = new ValidationErrors();
        ValidateName(request.Name, errors);
        if (request.Vcpus is null)
            errors.Add("vcpus", "vcpus is required.");
        else if (request.Vcpus is < MinVcpus or > MaxVcpus)
            errors.Add("vcpus", $"vcpus must be between {MinVcpus} and {MaxVcpus}.");
        if (request.MemoryMiB is null)
            errors.Add("memoryMiB", "memoryMiB is required.");
        else if (request.MemoryMiB is < MinMemoryMiB or > MaxMemoryMiB)
            errors.Add("memoryMiB", $"memoryMiB must be between {MinMemoryMiB} and {MaxMemoryMiB}.");
        if (request.Labels is { } labels)
        {
            if (labels.Count > Hosts.HostCapacityRules.MaxLabels)
                errors.Add("labels", $"labels may hold at most {Hosts.HostCapacityRules.MaxLabels} labels.");
            foreach (var label in labels.Where(l => !Hosts.HostCapacityRules.IsValidLabel(l)))
                errors.Add("labels", $"label '{label}' must be 1 to 63 characters of a-z, 0-9, '=', '.', '_' and '-'.");
        }
        Guid? imageId = null;
        if (request.ImageId is { } image)
        {
            if (Guid.TryParse(image, out var parsed))
                imageId = parsed;
            else
                errors.Add("imageId", "imageId must be an image id (a UUID).");
        }
        if (request.DiskGiB is { } disk)
        {
            if (request.ImageId is null)
                errors.Add("diskGiB", "diskGiB sizes the disk made from an image: give imageId too, or omit both for a diskless machine.");
            else if (disk is < MinDiskGiB or > MaxDiskGiB)
                errors.Add("diskGiB", $"diskGiB must be between {MinDiskGiB} and {MaxDiskGiB}.");
        }
        errors.ThrowIfAny();
        return new ValidMachineRequest(request.Name!, request.Vcpus!.Value, request.MemoryMiB!.Value,
            request.Labels?.OfType<string>().Distinct(StringComparer.Ordinal).ToList() ?? [])
        {
            ImageId = imageId,
            DiskGiB = request.DiskGiB,
        };
    }

    public static void ValidateName(string? name, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(name))
            errors.Add("name", "name is required.");
        else if (!NamePattern().IsMatch(name))
            errors.Add("name", $"name must be 1 to {MaxNameLength} letters, digits or '-'.");
    }
}

/// <summary>A request that passed <see cref="MachineRequestRules.Validate"/>; labels are the host labels it requires.</summary>
public sealed record ValidMachineRequest(string Name, int Vcpus, int MemoryMiB, IReadOnlyList<string> Labels)
{
    public Guid? ImageId { get; init; }
    public int? DiskGiB { get; init; }
}
