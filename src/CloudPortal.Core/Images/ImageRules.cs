using CloudPortal.Core.Common;

namespace CloudPortal.Core.Images;

/// <summary>Checks an image's metadata, reporting every bad field at once.</summary>
public static class ImageRules
{
    public const int MaxNameLength = 64;
    public const int MaxDescriptionLength = 1000;
    public const int MaxOsLength = 64;
    public const int MaxMinMemoryMiB = 16 * 1024 * 1024;
    public const int MaxMinDiskGiB = 64 * 1024;

    /// <summary>The visibility asked for, or null when none was named.</summary>
    public static ImageVisibility? Validate(ImageMetadata metadata, bool nameRequired)
    {
        var errors = new ValidationErrors();
        if (metadata.Name is null)
        {
            if (nameRequired)
                errors.Add("name", "name is required.");
        }
        else if (metadata.Name.Trim().Length == 0)
            errors.Add("name", "name must not be empty.");
        else if (metadata.Name.Trim().Length > MaxNameLength)
            errors.Add("name", $"name must be at most {MaxNameLength} characters.");
        else if (metadata.Name.Any(char.IsControl))
            errors.Add("name", "name must not contain control characters.");

        ImageVisibility? visibility = metadata.Visibility switch
        {
            null => null,
            "public" => ImageVisibility.Public,
            "private" => ImageVisibility.Private,
            _ => null,
        };
        if (metadata.Visibility is not null && visibility is null)
            errors.Add("visibility", "visibility must be 'public' or 'private'.");
        if (metadata.Os is { } os && (os.Length > MaxOsLength || os.Any(char.IsControl)))
            errors.Add("os", $"os must be at most {MaxOsLength} characters without control characters.");
        if (metadata.Description is { Length: > MaxDescriptionLength })
            errors.Add("description", $"description must be at most {MaxDescriptionLength} characters.");
        if (metadata.MinMemoryMiB is < 0 or > MaxMinMemoryMiB)
            errors.Add("minMemoryMiB", $"minMemoryMiB must be between 0 and {MaxMinMemoryMiB}.");
        if (metadata.MinDiskGiB is < 0 or > MaxMinDiskGiB)
            errors.Add("minDiskGiB", $"minDiskGiB must be between 0 and {MaxMinDiskGiB}.");
        errors.ThrowIfAny();
        return visibility;
    }

    /// <summary>Empty text clears an optional field.</summary>
    public static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
