using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Tests.Unit;

public sealed class MachineActionsTests
{
    /// <summary>The table the portal promises: action → states it is allowed from.</summary>
    public static TheoryData<MachineAction, MachineState[]> Table => new()
    {
        { MachineAction.Start, [MachineState.Stopped, MachineState.Suspended] },
        { MachineAction.Shutdown, [MachineState.Running] },
        { MachineAction.Reboot, [MachineState.Running] },
        { MachineAction.Poweroff, [MachineState.Running, MachineState.Paused, MachineState.Failed, MachineState.Stopping] },
        { MachineAction.Pause, [MachineState.Running] },
        { MachineAction.Resume, [MachineState.Paused] },
        { MachineAction.Suspend, [MachineState.Running, MachineState.Paused] },
        { MachineAction.Reset, [MachineState.Running] },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void IsAllowed_EveryState_MatchesTable(MachineAction action, MachineState[] allowed)
    {
        foreach (var state in Enum.GetValues<MachineState>())
            Assert.True(allowed.Contains(state) == MachineActions.IsAllowed(action, state), $"{action} from {state}");
    }

    [Fact]
    public void IsAllowed_TransitionalOrMissing_NothingAllowed()
    {
        foreach (var state in new[] { MachineState.Provisioning, MachineState.Deleting, MachineState.Migrating, MachineState.Missing })
            Assert.Empty(MachineActions.AllowedIn(state));
    }

    [Fact]
    public void AllowedIn_Running_ShutdownPoweroffRebootPauseSuspend()
    {
        Assert.Equal(
            [MachineAction.Shutdown, MachineAction.Poweroff, MachineAction.Reboot, MachineAction.Pause, MachineAction.Suspend, MachineAction.Reset],
            MachineActions.AllowedIn(MachineState.Running));
    }

    [Theory]
    [InlineData(MachineState.Running, true)]
    [InlineData(MachineState.Missing, true)]
    [InlineData(MachineState.Failed, true)]
    [InlineData(MachineState.Provisioning, false)]
    [InlineData(MachineState.Deleting, false)]
    [InlineData(MachineState.Migrating, false)]
    [InlineData(MachineState.Stopping, false)]
    public void MayDelete_State_Expected(MachineState state, bool expected)
    {
        Assert.Equal(expected, MachineActions.MayDelete(state));
    }

    [Fact]
    public void EnsureAllowed_NotAllowed_ConflictNamingCurrentState()
    {
        var machine = new Machine { Id = Guid.NewGuid(), Name = "web", State = MachineState.Stopped };

        var ex = Assert.Throws<ConflictException>(() => MachineActions.EnsureAllowed(MachineAction.Pause, machine));

        Assert.Contains("it is stopped", ex.Message);
        Assert.Contains("'web'", ex.Message);
        Assert.Contains("running", ex.Message);
    }

    [Fact]
    public void EnsureAllowed_Allowed_DoesNotThrow()
    {
        var machine = new Machine { Id = Guid.NewGuid(), Name = "web", State = MachineState.Paused };

        MachineActions.EnsureAllowed(MachineAction.Resume, machine);
        Assert.Throws<ConflictException>(() => MachineActions.EnsureAllowed(MachineAction.Pause, machine));
    }

    [Fact]
    public void AllowedIn_Stopping_OnlyPoweroff()
    {
        Assert.True(MachineState.Stopping.IsTransitional());
        Assert.Equal([MachineAction.Poweroff], MachineActions.AllowedIn(MachineState.Stopping));
    }

    [Theory]
    [InlineData(MachineState.Running, true, false)]
    [InlineData(MachineState.Stopped, true, true)]
    [InlineData(MachineState.Paused, false, false)]
    [InlineData(MachineState.Suspended, false, false)]
    [InlineData(MachineState.Stopping, false, false)]
    [InlineData(MachineState.Provisioning, false, false)]
    [InlineData(MachineState.Failed, false, false)]
    public void RenameAndResize_State_AllowedOnlyWhereSensible(MachineState state, bool rename, bool resize)
    {
        Assert.Equal(rename, MachineActions.RenameAllowedFrom.Contains(state));
        Assert.Equal(resize, MachineActions.ResizeAllowedFrom.Contains(state));
    }

    [Fact]
    public void EnsureAllowed_ResizeWhileRunning_ConflictNamingStateAndWhatIsAllowed()
    {
        var machine = new Machine { Id = Guid.NewGuid(), Name = "db", State = MachineState.Running };

        var ex = Assert.Throws<ConflictException>(() => MachineActions.EnsureAllowed("resize", MachineActions.ResizeAllowedFrom, machine));

        Assert.Equal("Cannot resize machine 'db': it is running (allowed when stopped).", ex.Message);
    }

    [Fact]
    public void Claims_SecondClaimWhileHeld_ConflictNamingTheFirst()
    {
        var claims = new MachineClaims();
        var id = Guid.NewGuid();
        using (claims.Claim(id, "web", "start"))
        {
            var ex = Assert.Throws<ConflictException>(() => claims.Claim(id, "web", "delete"));
            Assert.Contains("busy with start", ex.Message);
            using (claims.Claim(Guid.NewGuid(), "other", "start"))
                Assert.True(claims.IsClaimed(id));
        }
        Assert.False(claims.IsClaimed(id));
        using (claims.Claim(id, "web", "delete"))
            Assert.True(claims.IsClaimed(id));
    }

    [Theory]
    [InlineData("start", BulkAction.Start)]
    [InlineData("SHUTDOWN", BulkAction.Shutdown)]
    [InlineData("poweroff", BulkAction.Poweroff)]
    [InlineData("delete", BulkAction.Delete)]
    public void TryParseBulkAction_Name_Parses(string text, BulkAction expected)
    {
        Assert.True(MachineService.TryParseBulkAction(text, out var action));
        Assert.Equal(expected, action);
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("1")]
    [InlineData("start,delete")]
    [InlineData(null)]
    public void TryParseBulkAction_NotABulkAction_False(string? text)
    {
        Assert.False(MachineService.TryParseBulkAction(text, out _));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("explode")]
    [InlineData("99")]
    public void TryParse_NotAnAction_False(string? text)
    {
        Assert.False(MachineActions.TryParse(text, out _));
    }

    [Theory]
    [InlineData("PAUSE", MachineAction.Pause)]
    [InlineData("pause", MachineAction.Pause)]
    [InlineData("Poweroff", MachineAction.Poweroff)]
    [InlineData("start", MachineAction.Start)]
    public void TryParse_ActionNameAnyCase_Parses(string text, MachineAction expected)
    {
        Assert.True(MachineActions.TryParse(text, out var action));
        Assert.Equal(expected, action);
    }

    // Enum.TryParse ORs comma-separated names even for non-[Flags] enums: "poweroff,shutdown" = 2|1 = 3 = Reboot,
    // so an API client asking for that gets its machine rebooted.
    [Theory]
    [InlineData("poweroff,shutdown")]
    [InlineData("start,pause")]
    public void TryParse_CommaSeparatedList_False(string text)
    {
        Assert.False(MachineActions.TryParse(text, out _));
    }
}
