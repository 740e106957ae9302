using System.Text.RegularExpressions;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Storage;

/// <summary>The pool types the portal defines; others that exist on a host are shown but not created here.</summary>
public static class PoolTypes
{
    public const string Dir = "dir";
    public const string Fs = "fs";
    public const string NetFs = "netfs";
    public const string Logical = "logical";

    public static readonly IReadOnlyList<string> All = [Dir, Fs, NetFs, Logical];
}

/// <summary>What an administrator asks for when defining a pool on a host.</summary>
public sealed record PoolRequest(
    Guid? HostId,
    string? Name,
    string? Type,
    string? TargetPath,
    string? SourceDevice = null,
    string? SourceHost = null,
    string? SourcePath = null,
    string? SourceName = null);

/// <summary>A request that passed <see cref="PoolRules.Validate"/>: exactly the fields its type needs are set.</summary>
public sealed record PoolDefinition(
    Guid HostId,
    string Name,
    string Type,
    string? TargetPath,
    string? SourceDevice,
    string? SourceHost,
    string? SourcePath,
    string? SourceName);

public static partial class PoolRules
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\\z")]
    private static partial Regex NamePattern();

    // Absolute, no "..", no control characters or quotes: the path reaches mount(8) and mkdir on the host.
    [GeneratedRegex("^(/[A-Za-z0-9_.+-]+)+/?\\z")]
    private static partial Regex PathPattern();

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\\z")]
    private static partial Regex HostnamePattern();

    public static PoolDefinition Validate(PoolRequest request)
    {
        var errors = new ValidationErrors();
        if (request.HostId is null || request.HostId == Guid.Empty)
            errors.Add("hostId", "hostId is required.");
        if (string.IsNullOrEmpty(request.Name))
            errors.Add("name", "name is required.");
        else if (!NamePattern().IsMatch(request.Name))
            errors.Add("name", "name must be 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit.");
        if (string.IsNullOrEmpty(request.Type))
            errors.Add("type", "type is required.");
        else if (!PoolTypes.All.Contains(request.Type))
            errors.Add("type", $"type must be one of {string.Join(", ", PoolTypes.All)}.");

        CheckPath("targetPath", request.TargetPath, required: request.Type != PoolTypes.Logical, errors);
        switch (request.Type)
        {
            case PoolTypes.Dir:
                Forbid("sourceDevice", request.SourceDevice, errors);
                Forbid("sourceHost", request.SourceHost, errors);
                Forbid("sourcePath", request.SourcePath, errors);
                Forbid("sourceName", request.SourceName, errors);
                break;
            case PoolTypes.Fs:
                CheckPath("sourceDevice", request.SourceDevice, required: true, errors);
                if (request.SourceDevice is { } device && !device.StartsWith("/dev/", StringComparison.Ordinal))
                    errors.Add("sourceDevice", "sourceDevice must be a block device under /dev/.");
                Forbid("sourceHost", request.SourceHost, errors);
                Forbid("sourcePath", request.SourcePath, errors);
                Forbid("sourceName", request.SourceName, errors);
                break;
            case PoolTypes.NetFs:
                if (string.IsNullOrEmpty(request.SourceHost))
                    errors.Add("sourceHost", "sourceHost is required for a netfs pool.");
                else if (!HostnamePattern().IsMatch(request.SourceHost))
                    errors.Add("sourceHost", "sourceHost must be a host name or IPv4 address.");
                CheckPath("sourcePath", request.SourcePath, required: true, errors);
                Forbid("sourceDevice", request.SourceDevice, errors);
                Forbid("sourceName", request.SourceName, errors);
                break;
            case PoolTypes.Logical:
                if (string.IsNullOrEmpty(request.SourceName))
                    errors.Add("sourceName", "sourceName (the volume group) is required for a logical pool.");
                else if (!NamePattern().IsMatch(request.SourceName))
                    errors.Add("sourceName", "sourceName must be 1 to 63 letters, digits, '_', '.' or '-'.");
                if (request.SourceDevice is not null)
                    CheckPath("sourceDevice", request.SourceDevice, required: true, errors);
                Forbid("sourceHost", request.SourceHost, errors);
                Forbid("sourcePath", request.SourcePath, errors);
                break;
        }
        errors.ThrowIfAny();
        return new PoolDefinition(request.HostId!.Value, request.Name!, request.Type!, request.TargetPath,
            request.SourceDevice, request.SourceHost, request.SourcePath, request.SourceName);
    }

    private static void CheckPath(string field, string? path, bool required, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(path))
        {
            if (required)
                errors.Add(field, $"{field} is required.");
            return;
        }
        if (!PathPattern().IsMatch(path) || path.Split('/').Any(part => part is "." or ".."))
            errors.Add(field, $"{field} must be an absolute path of letters, digits, '_', '.', '+' and '-' without '..'.");
        else if (path.Length > 255)
            errors.Add(field, $"{field} must be at most 255 characters.");
    }

    private static void Forbid(string field, string? value, ValidationErrors errors)
    {
        if (value is not null)
            errors.Add(field, $"{field} does not apply to this pool type.");
    }
}
