using System.Text.RegularExpressions;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Hosts;

/// <summary>A PATCH of a host's capacity settings: every field optional, absent ones keep their value.</summary>
public sealed record HostCapacityPatch(
    bool? Maintenance = null, double? CpuOvercommit = null, double? MemoryOvercommit = null, long? ReservedMemoryMiB = null,
    IReadOnlyList<string?>? Labels = null);

public static partial class HostCapacityRules
{
    public const double MinRatio = 0.1;
    public const double MaxRatio = 32;
    public const int MaxLabels = 32;

    /// <summary>
    /// Applies the patch to the current settings, or throws a field map of everything wrong. The reserve may not exceed
    /// the host's memory when that is known (the host has connected once); a host never seen can only be bounded by zero.
    /// </summary>
    public static HostCapacity Apply(HostCapacity current, HostCapacityPatch patch, long? hostMemoryMiB)
    {
        var errors = new ValidationErrors();
        Ratio("cpuOvercommit", patch.CpuOvercommit, errors);
        Ratio("memoryOvercommit", patch.MemoryOvercommit, errors);
        if (patch.ReservedMemoryMiB is { } reserved)
        {
            if (reserved < 0)
                errors.Add("reservedMemoryMiB", "reservedMemoryMiB must be 0 or more.");
            else if (hostMemoryMiB is > 0 && reserved > hostMemoryMiB)
                errors.Add("reservedMemoryMiB", $"reservedMemoryMiB must be at most the host's memory, {hostMemoryMiB} MiB.");
        }
        var labels = patch.Labels is null ? current.Labels : Labels(patch.Labels, errors);
        errors.ThrowIfAny();
        return new HostCapacity(
            patch.Maintenance ?? current.Maintenance,
            patch.CpuOvercommit ?? current.CpuOvercommit,
            patch.MemoryOvercommit ?? current.MemoryOvercommit,
            patch.ReservedMemoryMiB ?? current.ReservedMemoryMiB,
            labels);
    }

    private static void Ratio(string field, double? value, ValidationErrors errors)
    {
        if (value is { } ratio && !(ratio >= MinRatio && ratio <= MaxRatio))
            errors.Add(field, $"{field} must be between {MinRatio} and {MaxRatio}.");
    }

    /// <summary>Labels are compared as written, so they are kept to one simple lower-case alphabet; duplicates collapse.</summary>
    private static IReadOnlyList<string> Labels(IReadOnlyList<string?> labels, ValidationErrors errors)
    {
        if (labels.Count > MaxLabels)
            errors.Add("labels", $"labels may hold at most {MaxLabels} labels.");
        foreach (var label in labels)
        {
            if (label is null || !LabelPattern().IsMatch(label))
                errors.Add("labels", $"label '{label}' must be 1 to 63 characters of a-z, 0-9, '=', '.', '_' and '-'.");
        }
        return labels.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
    }

    public static bool IsValidLabel(string? label) => label is not null && LabelPattern().IsMatch(label);

    [GeneratedRegex("^[a-z0-9=._-]{1,63}$")]
    private static partial Regex LabelPattern();
}
