using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Tests.Unit;

public sealed class MachineRequestRulesTests
{
    private static ValidationFailedException Invalid(MachineRequest request) =>
        Assert.Throws<ValidationFailedException>(() => MachineRequestRules.Validate(request));

    [Fact]
    public void Validate_ValidRequest_ReturnsSameValues()
    {
        var valid = MachineRequestRules.Validate(new MachineRequest("web-1", 2, 512));

        Assert.Equal(("web-1", 2, 512), (valid.Name, valid.Vcpus, valid.MemoryMiB));
        Assert.Empty(valid.Labels);
    }

    [Fact]
    public void Validate_BoundaryValues_Accepted()
    {
        var low = MachineRequestRules.Validate(new MachineRequest("a", 1, 32));
        var high = MachineRequestRules.Validate(new MachineRequest(new string('z', 63), 64, 262144));

        Assert.Equal(1, low.Vcpus);
        Assert.Equal(32, low.MemoryMiB);
        Assert.Equal(64, high.Vcpus);
        Assert.Equal(262144, high.MemoryMiB);
    }

    [Fact]
    public void Validate_NameMissing_ReportsOnlyName()
    {
        var ex = Invalid(new MachineRequest(null, 1, 64));

        Assert.Equal(["name"], ex.Errors.Keys);
        Assert.Contains("required", ex.Errors["name"].Single());
    }

    [Fact]
    public void Validate_VcpusMissing_ReportsOnlyVcpus()
    {
        var ex = Invalid(new MachineRequest("web", null, 64));

        Assert.Equal(["vcpus"], ex.Errors.Keys);
        Assert.Contains("required", ex.Errors["vcpus"].Single());
    }

    [Fact]
    public void Validate_MemoryMissing_ReportsOnlyMemory()
    {
        var ex = Invalid(new MachineRequest("web", 1, null));

        Assert.Equal(["memoryMiB"], ex.Errors.Keys);
        Assert.Contains("required", ex.Errors["memoryMiB"].Single());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("web<1")]
    [InlineData("wéb")]
    [InlineData("машина")]
    [InlineData("web_1")]
    [InlineData("web.1")]
    [InlineData("web/1")]
    public void Validate_BadName_ReportsName(string name)
    {
        var ex = Invalid(new MachineRequest(name, 1, 64));

        Assert.Equal(["name"], ex.Errors.Keys);
    }

    [Fact]
    public void Validate_Name64Chars_ReportsName()
    {
        var ex = Invalid(new MachineRequest(new string('a', 64), 1, 64));

        Assert.Equal(["name"], ex.Errors.Keys);
        Assert.Contains("63", ex.Errors["name"].Single());
    }

    [Theory]
    [InlineData("a-b-9")]
    [InlineData("A")]
    [InlineData("-")]
    [InlineData("0123")]
    public void Validate_LettersDigitsDashes_Accepted(string name)
    {
        Assert.Equal(name, MachineRequestRules.Validate(new MachineRequest(name, 1, 64)).Name);
    }

    // .NET's '$' also matches before a final '\n', so "^[A-Za-z0-9-]{1,63}$" lets "web\n" through; libvirt then
    // refuses the domain XML ("invalid char in name"), and the same rule guards host names in HostService.AddAsync.
    [Theory]
    [InlineData("web\n")]
    [InlineData("a-b-9\n")]
    public void Validate_NameWithTrailingNewline_ReportsName(string name)
    {
        var ex = Invalid(new MachineRequest(name, 1, 64));

        Assert.Equal(["name"], ex.Errors.Keys);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(65)]
    [InlineData(int.MinValue)]
    public void Validate_VcpusOutOfRange_ReportsVcpus(int vcpus)
    {
        var ex = Invalid(new MachineRequest("web", vcpus, 64));

        Assert.Equal(["vcpus"], ex.Errors.Keys);
        Assert.Contains("between 1 and 64", ex.Errors["vcpus"].Single());
    }

    [Theory]
    [InlineData(31)]
    [InlineData(262145)]
    [InlineData(-64)]
    public void Validate_MemoryOutOfRange_ReportsMemory(int memory)
    {
        var ex = Invalid(new MachineRequest("web", 1, memory));

        Assert.Equal(["memoryMiB"], ex.Errors.Keys);
        Assert.Contains("between 32 and 262144", ex.Errors["memoryMiB"].Single());
    }

    [Fact]
    public void Validate_EverythingWrong_ReportsAllThreeFieldsAtOnce()
    {
        var ex = Invalid(new MachineRequest("bad name", 0, 31));

        Assert.Equal(["memoryMiB", "name", "vcpus"], ex.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(ex.Errors.Values, messages => Assert.Single(messages));
        Assert.Contains("name:", ex.Message);
        Assert.Contains("vcpus:", ex.Message);
        Assert.Contains("memoryMiB:", ex.Message);
    }

    [Fact]
    public void Validate_EverythingMissing_ReportsAllThreeFieldsAtOnce()
    {
        var ex = Invalid(new MachineRequest(null, null, null));

        Assert.Equal(3, ex.Errors.Count);
        Assert.All(ex.Errors.Values, messages => Assert.Contains("required", Assert.Single(messages)));
    }
}
