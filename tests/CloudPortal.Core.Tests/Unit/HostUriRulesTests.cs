using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;

namespace CloudPortal.Core.Tests.Unit;

public sealed class HostUriRulesTests
{
    private static ValidationErrors Check(string? uri)
    {
        var errors = new ValidationErrors();
        HostUriRules.Validate(uri, errors);
        return errors;
    }

    [Theory]
    [InlineData("qemu:///system")]
    [InlineData("qemu:///session")]
    [InlineData("qemu+tcp://127.0.0.1:16510/system")]
    [InlineData("qemu+ssh://root@10.0.0.5/system")]
    [InlineData("test:///default")]
    public void Validate_SupportedUri_NoErrors(string uri)
    {
        Assert.False(Check(uri).HasErrors);
    }

    [Theory]
    [InlineData("http://x", "scheme 'http' is not supported")]
    [InlineData("qemu:///", "path must be /system")]
    [InlineData("qemu+tcp://10.0.0.5/", "path must be /system")]
    [InlineData("test:///other", "path must be /system")]
    [InlineData("not a uri", "must be a libvirt URI")]
    [InlineData("", "required")]
    [InlineData("   ", "required")]
    [InlineData(null, "required")]
    public void Validate_UnsupportedUri_ReportsUriWithReason(string? uri, string reason)
    {
        var errors = Check(uri);

        var ex = Assert.Throws<ValidationFailedException>(errors.ThrowIfAny);
        Assert.Equal(["uri"], ex.Errors.Keys);
        Assert.Contains(reason, Assert.Single(ex.Errors["uri"]));
    }

    [Fact]
    public void Validate_UriLongerThan512_Rejected()
    {
        var errors = Check("qemu+tcp://" + new string('h', 520) + "/system");

        Assert.True(errors.HasErrors);
    }
}
