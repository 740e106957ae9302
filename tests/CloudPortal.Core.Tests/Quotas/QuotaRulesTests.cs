using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Quotas;

namespace CloudPortal.Core.Tests.Quotas;

public sealed class QuotaRulesTests
{
    [Fact]
    public void Violations_MemoryOver_NamesLimitUsedAndRequested()
    {
        var violations = QuotaRules.Violations(new QuotaLimits { MemoryMiB = 2048 }, new QuotaAmounts { MemoryMiB = 1792 },
            new QuotaAmounts { Machines = 1, MemoryMiB = 512 });
        Assert.Equal(["memory: limit 2048 MiB, used 1792 MiB, requested 512 MiB"], violations);
    }

    [Fact]
    public void Violations_NullUnlimitedZeroNothing_OnlyZeroRefuses()
    {
        var request = new QuotaAmounts { Machines = 1, Vcpus = 1 };
        Assert.Empty(QuotaRules.Violations(QuotaLimits.Unlimited, QuotaAmounts.Zero, request));
        Assert.Equal(["vcpus: limit 0, used 0, requested 1"], QuotaRules.Violations(new QuotaLimits { Vcpus = 0 }, QuotaAmounts.Zero, request));
    }

    [Fact]
    public void Violations_PerMachineCap_NamesCapAndRequest()
    {
        var violations = QuotaRules.Violations(new QuotaLimits { MaxMachineVcpus = 4 }, QuotaAmounts.Zero, QuotaAmounts.Zero, new MachineSize(8, 64));
        Assert.Equal(["vcpus per machine: limit 4, requested 8"], violations);
    }

    [Fact]
    public void Violations_OverOneLimitAlready_OtherResourcesStillAllowed()
    {
        // A limit lowered below use blocks only requests for that resource.
        var violations = QuotaRules.Violations(new QuotaLimits { Machines = 1, RunningVcpus = 8 }, new QuotaAmounts { Machines = 3 },
            new QuotaAmounts { RunningVcpus = 2 });
        Assert.Empty(violations);
    }

    [Fact]
    public void Validate_NegativeAndAbsurd_FieldMap()
    {
        var ex = Assert.Throws<ValidationFailedException>(() => QuotaRules.Validate(new QuotaLimits
        {
            Machines = -1, Vcpus = 1_000_001, MemoryMiB = QuotaRules.MaxMemoryMiB + 1, MaxMachineVcpus = 4,
        }));
        Assert.Equal(["machines", "memoryMiB", "vcpus"], ex.Errors.Keys.Order());
    }

    [Fact]
    public void RunningDelta_StartStopPause_MovesRunningChargeOnly()
    {
        Assert.Equal(2, QuotaAmounts.RunningDelta(MachineState.Stopped, MachineState.Running, 2, 256).RunningVcpus);
        Assert.Equal(-256, QuotaAmounts.RunningDelta(MachineState.Running, MachineState.Suspended, 2, 256).RunningMemoryMiB);
        Assert.Equal(QuotaAmounts.Zero, QuotaAmounts.RunningDelta(MachineState.Running, MachineState.Paused, 2, 256));
        Assert.Equal(QuotaAmounts.Zero, QuotaAmounts.RunningDelta(MachineState.Provisioning, MachineState.Stopped, 2, 256));
    }
}
