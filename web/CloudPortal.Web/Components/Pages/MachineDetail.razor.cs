using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using CloudPortal.Web.Machines;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CloudPortal.Web.Components.Pages;

/// <summary>
/// One machine: its state and size, host, NICs, the journal of its operations, the domain XML for administrators and
/// only the actions its state allows. Follows the machine live (MachineEvents) and the journal of an unfinished operation.
/// </summary>
public sealed partial class MachineDetail : PortalPageBase
{
    [Parameter] public Guid Id { get; set; }
    [Inject] private MachineService MachineService { get; set; } = default!;
    [Inject] private HostService HostService { get; set; } = default!;
    [Inject] private MachineEvents Events { get; set; } = default!;
    [Inject] private IEnumerable<MachineTab> Tabs { get; set; } = default!;
    [Inject] private CloudPortal.Core.Images.MachineCapture Capture { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private CloudPortal.Core.Volumes.VolumeService Volumes { get; set; } = default!;

    private static readonly TimeSpan JournalRefresh = TimeSpan.FromSeconds(1);
    private bool _mayChange;
    private Machine? _machine;
    private string _hostName = "—";
    private MachineDomainView? _domain;
    private string? _domainError;
    private IReadOnlyList<MachineHistoryEntry> _history = [];
    private IReadOnlyList<MachineTab> _extraTabs = [];
    private List<BreadcrumbItem> _crumbs = [];
    private bool _notFound;
    private string? _notFoundText;
    private int _tab;
    private int _reloadPending;
    private Task? _journalWatch;

    protected override async Task OnInitializedAsync()
    {
        await ResolveCallerAsync();
        _mayChange = Roles.MayChangeMachines(Caller.Role);
        _extraTabs = Tabs.OrderBy(t => t.Order).ToList();
        Events.Changed += OnMachineChanged;
        await LoadAsync();
        _journalWatch = WatchJournalAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _machine = await MachineService.GetAsync(Caller, Id, Closing);
        }
        catch (NotFoundException ex)
        {
            _notFound = true;
            _notFoundText = ex.Message;
            _machine = null;
            return;
        }
        _crumbs = [new BreadcrumbItem("Machines", "/machines"), new BreadcrumbItem(_machine.Name, null, disabled: true)];
        _hostName = (await HostService.ListAsync(Closing)).FirstOrDefault(h => h.Host.Id == _machine.HostId)?.Host.Name ?? "—";
        _history = await MachineService.HistoryAsync(Caller, Id, 20, Closing);
        try
        {
            _domain = await MachineService.DescribeDomainAsync(Caller, Id, Closing);
            _domainError = null;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            // The host may be unreachable or the domain gone: the rest of the page still stands.
            _domain = null;
            _domainError = "The domain could not be read from its host: " + message;
        }
    }

    private void OnMachineChanged(MachineChange change)
    {
        if (change.MachineId != Id || Interlocked.Exchange(ref _reloadPending, 1) == 1)
            return;
        // Leaves the publisher's thread at once; bursts of changes become one reload.
        _ = InvokeAsync(async () =>
        {
            Interlocked.Exchange(ref _reloadPending, 0);
            if (Closing.IsCancellationRequested)
                return;
            if (change.Removed)
            {
                _notFound = true;
                _notFoundText = $"Machine '{_machine?.Name}' was deleted.";
                _machine = null;
            }
            else
                await LoadAsync();
            StateHasChanged();
        });
    }

    /// <summary>Steps are not events: while an operation of this machine is unfinished, its journal is read again each second.</summary>
    private async Task WatchJournalAsync()
    {
        using var timer = new PeriodicTimer(JournalRefresh);
        try
        {
            while (await timer.WaitForNextTickAsync(Closing))
            {
                if (!_history.Any(h => h.Operation.State is OperationState.Pending or OperationState.Running) || _machine is null)
                    continue;
                await InvokeAsync(async () =>
                {
                    _history = await MachineService.HistoryAsync(Caller, Id, 20, Closing);
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (NotFoundException)
        {
            // Deleted meanwhile: the change event says so on the page.
        }
    }

    private Task ActAsync(MachineAction action) => RunAsync(async () =>
    {
        if (action == MachineAction.Shutdown)
        {
            var (machine, _) = await MachineService.ShutdownAsync(Caller, Id, null, Closing);
            Snackbar.Add($"Shutting down '{machine.Name}': powered off after {MachineService.DefaultShutdownTimeout.TotalSeconds:0} s if it does not stop by itself.", Severity.Info);
            return;
        }
        var after = await MachineService.ActAsync(Caller, Id, action, Closing);
        Snackbar.Add($"{Label(action)}: '{after.Name}' is {after.State.ToContractName()}.", Severity.Success);
    });

    private async Task RenameAsync()
    {
        var name = await PromptDialog.AskAsync(Dialogs, $"Rename {_machine!.Name}", "New name", _machine.Name, "Rename");
        if (name is null || name == _machine.Name)
            return;
        await RunAsync(async () =>
        {
            var (renamed, _) = await MachineService.RenameAsync(Caller, Id, name, Closing);
            Snackbar.Add($"Renamed to '{renamed.Name}'.", Severity.Success);
        });
    }

    private async Task GrowDiskAsync()
    {
        var current = await MachineService.RootDiskGiBAsync(Caller, Id, Closing);
        var answer = await PromptDialog.AskAsync(Dialogs, $"Grow the disk of {_machine!.Name}", $"New size in GiB (now {current} GiB; disks only grow)",
            ((current ?? 0) + 1).ToString(), "Grow");
        if (answer is null)
            return;
        if (!int.TryParse(answer, out var size))
        {
            Snackbar.Add("The size must be a whole number of GiB.", Severity.Error);
            return;
        }
        await RunAsync(async () =>
        {
            await MachineService.GrowDiskAsync(Caller, Id, size, Closing);
            Snackbar.Add($"The disk of '{_machine.Name}' is now {size} GiB; grow the filesystem in the guest to use it.", Severity.Success);
        });
    }

    private async Task CloneAsync()
    {
        var name = await PromptDialog.AskAsync(Dialogs, $"Clone {_machine!.Name}", "Name of the new machine", $"{_machine.Name}-clone", "Clone");
        if (name is null)
            return;
        await RunAsync(async () =>
        {
            var (clone, _) = await MachineService.CloneAsync(Caller, Id, name, null, Closing);
            Snackbar.Add($"Cloning '{_machine.Name}' as '{clone.Name}'.", Severity.Info);
            Navigation.NavigateTo($"/machines/{clone.Id}");
        });
    }

    private async Task RebuildAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Rebuild {_machine!.Name}",
            $"Replace the machine's disk with a fresh one from its image? Everything on the disk and all {(_machine.State == MachineState.Running ? "running work and " : "")}snapshots are lost; " +
            "the name, size, network and cloud-init stay.", yesText: "Rebuild", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await RunAsync(async () =>
        {
            var rebuilt = await MachineService.RebuildAsync(Caller, Id, null, Closing);
            Snackbar.Add($"'{rebuilt.Name}' rebuilt; it is {rebuilt.State.ToContractName()}.", Severity.Success);
        });
    }

    private async Task CaptureAsync()
    {
        var name = await PromptDialog.AskAsync(Dialogs, $"Capture {_machine!.Name}", "Name of the new private image", $"{_machine.Name}-image", "Capture");
        if (name is null)
            return;
        await RunAsync(async () =>
        {
            var operation = await Capture.CaptureAsync(Caller, Id, name, $"Captured from machine {_machine.Name}", Closing);
            Snackbar.Add($"Capturing '{_machine.Name}' as image '{name}': follow it in the operation history (operation {operation.Id.ToString()[..8]}).", Severity.Info);
        });
    }

    private async Task ResizeAsync()
    {
        var dialog = await Dialogs.ShowAsync<ResizeMachineDialog>($"Resize {_machine!.Name}",
            new DialogParameters<ResizeMachineDialog> { { d => d.Machine, _machine }, { d => d.Caller, Caller } },
            new DialogOptions { MaxWidth = MaxWidth.ExtraSmall, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: Machine resized })
        {
            Snackbar.Add($"'{resized.Name}' now has {resized.Vcpus} vCPUs and {resized.MemoryMiB} MiB.", Severity.Success);
            await LoadAsync();
        }
    }

    private async Task DeleteAsync()
    {
        var name = _machine!.Name; // the machine's removal event may clear _machine before the snackbar
        var choice = await MachineDeleteConfirmation.AskAsync(Dialogs, Volumes, Caller, _machine, Closing);
        if (choice == MachineDeleteChoice.Cancel)
            return;
        await RunAsync(async () =>
        {
            var keep = choice == MachineDeleteChoice.DeleteKeepVolumes;
            await MachineService.DeleteAsync(Caller, Id, keep, Closing);
            Snackbar.Add($"Deleting '{name}'{(keep ? ", keeping its data volumes" : "")}…", Severity.Info);
        });
    }

    protected override async Task ReloadAfterChangeAsync()
    {
        if (!_notFound)
            await LoadAsync();
    }

    private static string Label(MachineAction action) => action switch
    {
        MachineAction.Poweroff => "Power off",
        MachineAction.Shutdown => "Shut down",
        _ => action.ToString(),
    };

    private static string IconOf(MachineAction action) => action switch
    {
        MachineAction.Start => Icons.Material.Filled.PlayArrow,
        MachineAction.Shutdown => Icons.Material.Filled.PowerSettingsNew,
        MachineAction.Poweroff => Icons.Material.Filled.PowerOff,
        MachineAction.Reboot => Icons.Material.Filled.RestartAlt,
        MachineAction.Pause => Icons.Material.Filled.Pause,
        MachineAction.Resume => Icons.Material.Filled.PlayCircle,
        MachineAction.Suspend => Icons.Material.Filled.Bedtime,
        MachineAction.Reset => Icons.Material.Filled.Replay,
        _ => Icons.Material.Filled.QuestionMark,
    };

    private static Color ColorOf(OperationState state) => state switch
    {
        OperationState.Succeeded => Color.Success,
        OperationState.Failed => Color.Error,
        OperationState.Cancelled => Color.Default,
        _ => Color.Info,
    };

    protected override async ValueTask OnClosedAsync()
    {
        Events.Changed -= OnMachineChanged;
        if (_journalWatch is not null)
            await _journalWatch;
    }
}
