using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Core.Storage;

namespace CloudPortal.Core.Tests.Unit;

public sealed class ImageRequirementsTests
{
    private const long GiB = 1L << 30;

    private static ImageContent Image(long virtualBytes, int? minMemoryMiB = null, int? minDiskGiB = null) =>
        new(Guid.NewGuid(), "needy", new string('0', 64), ImageFormat.Qcow2, virtualBytes, 1024, "/nowhere", minMemoryMiB, minDiskGiB);

    [Theory]
    [InlineData(20L << 20, null, null, 20L << 20)]        // unsized: the image's own size
    [InlineData(20L << 20, 3, null, 3 * GiB)]             // unsized: at least the image's minimum
    [InlineData(20L << 20, 3, 5, 5 * GiB)]                // asked for more than the minimum
    [InlineData(4 * GiB, 3, null, 4 * GiB)]               // the image is bigger than its minimum
    public void CapacityBytes_ImageWithMinimumDisk_NeverBelowIt(long virtualBytes, int? minDiskGiB, int? askedGiB, long expected) =>
        Assert.Equal(expected, MachineDisks.CapacityBytes(Image(virtualBytes, minDiskGiB: minDiskGiB), askedGiB));

    [Fact]
    public void Check_BelowBothMinimums_ErrorsOnMemoryAndDisk()
    {
        var errors = new ValidationErrors();

        ImageRequirements.Check(Image(GiB, minMemoryMiB: 512, minDiskGiB: 4), memoryMiB: 256, diskGiB: 2, errors);

        var ex = Assert.Throws<ValidationFailedException>(errors.ThrowIfAny);
        Assert.Equal(["diskGiB", "memoryMiB"], ex.Errors.Keys.Order());
    }

    [Theory]
    [InlineData(512, 4)]
    [InlineData(1024, null)]
    public void Check_AtOrAboveTheMinimums_NoError(int memoryMiB, int? diskGiB)
    {
        var errors = new ValidationErrors();

        ImageRequirements.Check(Image(GiB, minMemoryMiB: 512, minDiskGiB: 4), memoryMiB, diskGiB, errors);

        Assert.False(errors.HasErrors);
    }
}
