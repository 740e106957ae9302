using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;
using CloudPortal.Core.Sizes;

namespace CloudPortal.Core.Tests.Unit;

public sealed class SizeRulesTests
{
    [Fact]
    public void Validate_GoodRequest_SizeWithDisklessDefault()
    {
        var size = SizeService.Validate(new SizeRequest("small", 1, 512, null, null));

        Assert.Equal(("small", 1, 512, 0), (size.Name, size.Vcpus, size.MemoryMiB, size.DiskGiB));
        Assert.Null(size.TenantId);
    }

    [Theory]
    [InlineData(null, 1, 512, 0, "name")]
    [InlineData("has space", 1, 512, 0, "name")]
    [InlineData("s", null, 512, 0, "vcpus")]
    [InlineData("s", 0, 512, 0, "vcpus")]
    [InlineData("s", 65, 512, 0, "vcpus")]
    [InlineData("s", 1, null, 0, "memoryMiB")]
    [InlineData("s", 1, 16, 0, "memoryMiB")]
    [InlineData("s", 1, 512, -1, "diskGiB")]
    [InlineData("s", 1, 512, SizeService.MaxDiskGiB + 1, "diskGiB")]
    public void Validate_BadField_ValidationNamingIt(string? name, int? vcpus, int? memoryMiB, int? diskGiB, string field)
    {
        var ex = Assert.Throws<ValidationFailedException>(() => SizeService.Validate(new SizeRequest(name, vcpus, memoryMiB, diskGiB, null)));

        Assert.True(ex.Errors.ContainsKey(field), string.Join(", ", ex.Errors.Keys));
    }

    [Fact]
    public void CapsRefusal_SizeOverPerMachineCaps_NamesTheCap()
    {
        var size = new Size { Name = "big", Vcpus = 8, MemoryMiB = 8192, DiskGiB = 0 };

        Assert.Null(SizeService.CapsRefusal(size, QuotaLimits.Unlimited));
        Assert.Null(SizeService.CapsRefusal(size, new QuotaLimits { MaxMachineVcpus = 8, MaxMachineMemoryMiB = 8192 }));
        Assert.Contains("vcpus per machine: limit 4", SizeService.CapsRefusal(size, new QuotaLimits { MaxMachineVcpus = 4 }));
        // Pooled limits are not caps: a size is offered even when the tenant's pool is full right now.
        Assert.Null(SizeService.CapsRefusal(size, new QuotaLimits { Vcpus = 1 }));
    }
}
