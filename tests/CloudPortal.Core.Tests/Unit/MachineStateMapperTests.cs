using CloudPortal.Core.Machines;
using LibvirtSharp;

namespace CloudPortal.Core.Tests.Unit;

public sealed class MachineStateMapperTests
{
    [Theory]
    [InlineData(DomainState.Running, false, MachineState.Running)]
    [InlineData(DomainState.Blocked, false, MachineState.Running)]
    [InlineData(DomainState.Shutdown, false, MachineState.Running)]
    [InlineData(DomainState.Paused, false, MachineState.Paused)]
    [InlineData(DomainState.Paused, true, MachineState.Paused)]
    [InlineData(DomainState.Shutoff, false, MachineState.Stopped)]
    [InlineData(DomainState.Shutoff, true, MachineState.Suspended)]
    [InlineData(DomainState.PMSuspended, false, MachineState.Suspended)]
    [InlineData(DomainState.Crashed, false, MachineState.Failed)]
    [InlineData(DomainState.NoState, false, MachineState.Failed)]
    [InlineData(DomainState.Running, true, MachineState.Running)]
    public void FromLibvirt_State_MapsToMachineState(DomainState state, bool managedSave, MachineState expected)
    {
        Assert.Equal(expected, MachineStateMapper.FromLibvirt(state, managedSave));
    }

    [Fact]
    public void FromLibvirt_UnknownValue_Failed()
    {
        Assert.Equal(MachineState.Failed, MachineStateMapper.FromLibvirt((DomainState)99, false));
    }

    [Theory]
    [InlineData(MachineState.Provisioning, true)]
    [InlineData(MachineState.Deleting, true)]
    [InlineData(MachineState.Migrating, true)]
    [InlineData(MachineState.Running, false)]
    [InlineData(MachineState.Stopped, false)]
    [InlineData(MachineState.Missing, false)]
    [InlineData(MachineState.Failed, false)]
    public void IsTransitional_State_Expected(MachineState state, bool expected)
    {
        Assert.Equal(expected, state.IsTransitional());
    }

    [Fact]
    public void ToContractName_EveryState_LowerCaseName()
    {
        Assert.Equal("running", MachineState.Running.ToContractName());
        Assert.Equal("missing", MachineState.Missing.ToContractName());
        Assert.All(Enum.GetValues<MachineState>(), s => Assert.Equal(s.ToString().ToLowerInvariant(), s.ToContractName()));
    }
}
