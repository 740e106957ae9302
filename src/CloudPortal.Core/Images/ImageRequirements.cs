using CloudPortal.Core.Common;

namespace CloudPortal.Core.Images;

/// <summary>
/// What an image says it needs to run (its minimum memory and disk, set at upload or edit). A machine asked for
/// with less is refused rather than made to fail at boot; a disk left unsized gets at least the minimum.
/// </summary>
public static class ImageRequirements
{
    public static void Check(ImageContent image, int memoryMiB, int? diskGiB, ValidationErrors errors)
    {
        if (image.MinMemoryMiB is { } minMemory && memoryMiB < minMemory)
            errors.Add("memoryMiB", $"Image '{image.Name}' needs at least {minMemory} MiB of memory; {memoryMiB} MiB was asked for.");
        if (image.MinDiskGiB is { } minDisk && diskGiB is { } disk && disk < minDisk)
            errors.Add("diskGiB", $"Image '{image.Name}' needs a disk of at least {minDisk} GiB; {disk} GiB was asked for.");
    }
}
