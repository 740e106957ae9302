using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CloudPortal.Web.Components.Pages;

public sealed partial class Machines : PortalPageBase
{
    [Inject] private MachineService MachineService { get; set; } = default!;
    [Inject] private HostService HostService { get; set; } = default!;
    [Inject] private MachineEvents Events { get; set; } = default!;
    [Inject] private CloudPortal.Core.Volumes.VolumeService Volumes { get; set; } = default!;
    [Inject] private ILogger<Machines> Log { get; set; } = default!;

    private readonly HashSet<Guid> _busy = [];
    private MudTable<Machine>? _table;
    private bool _mayChange;
    private string? _filter;
    private Dictionary<Guid, string> _hostNames = [];
    private int _reloadPending;

    protected override async Task OnInitializedAsync()
    {
        await ResolveCallerAsync();
        _mayChange = Roles.MayChangeMachines(Caller.Role);
        _hostNames = (await HostService.ListAsync(Closing)).ToDictionary(h => h.Host.Id, h => h.Host.Name);
        Events.Changed += OnMachineChanged;
    }

    private async Task<TableData<Machine>> LoadAsync(TableState state, CancellationToken ct)
    {
        // Keyset pages are walked up to the requested one: tables here stay small enough, and the cursor stays the API's.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, Closing);
        string? cursor = null;
        Page<Machine> page = new([], null);
        for (var i = 0; i <= state.Page; i++)
        {
            page = await MachineService.ListAsync(Caller, new PageRequest(state.PageSize, cursor, _filter), linked.Token);
            cursor = page.Next;
            if (cursor is null && i < state.Page)
                break;
        }
        var total = state.Page * state.PageSize + page.Items.Count + (page.Next is null ? 0 : 1);
        _pageItems = page.Items;
        foreach (var machine in page.Items)
            _names[machine.Id] = machine.Name;
        return new TableData<Machine> { Items = page.Items, TotalItems = total };
    }

    private void OnMachineChanged(MachineChange change)
    {
        if (change.TenantId != Caller.TenantId || Interlocked.Exchange(ref _reloadPending, 1) == 1)
            return;
        // Coalesces bursts of events into one reload, and leaves the libvirt event thread at once.
        _ = InvokeAsync(async () =>
        {
            Interlocked.Exchange(ref _reloadPending, 0);
            if (_table is not null && !Closing.IsCancellationRequested)
            {
                await _table.ReloadServerData();
            }
        });
    }

    // Selection by id, kept across pages and reloads; names remembered for the results list.
    private readonly HashSet<Guid> _selected = [];
    private readonly Dictionary<Guid, string> _names = [];
    private IReadOnlyList<Machine> _pageItems = [];
    private readonly List<BulkItemResult> _bulkResults = [];
    private bool _bulkRunning;
    private int _bulkTotal;
    private string? _bulkSummary;

    private bool PageAllSelected => _pageItems.Count > 0 && _pageItems.All(m => _selected.Contains(m.Id));

    private void Select(Machine machine, bool on)
    {
        if (on)
            _selected.Add(machine.Id);
        else
            _selected.Remove(machine.Id);
    }

    private void SelectPage(bool on)
    {
        foreach (var machine in _pageItems)
            Select(machine, on);
    }

    private void ClearSelection() => _selected.Clear();

    /// <summary>Every machine of the tenant that the filter matches, on any page.</summary>
    private async Task SelectAllMatchingAsync()
    {
        string? cursor = null;
        do
        {
            var page = await MachineService.ListAsync(Caller, new PageRequest(PageRequest.MaxLimit, cursor, _filter), Closing);
            foreach (var machine in page.Items)
            {
                _names[machine.Id] = machine.Name;
                _selected.Add(machine.Id);
            }
            cursor = page.Next;
        }
        while (cursor is not null);
    }

    private string NameOf(Guid id) => _names.GetValueOrDefault(id, id.ToString());

    private async Task BulkAsync(BulkAction action)
    {
        var ids = _selected.ToList();
        var what = $"{BulkLabel(action).ToLowerInvariant()} {ids.Count} machine{(ids.Count == 1 ? "" : "s")}";
        var warning = action == BulkAction.Delete ? " They are powered off and removed from their hosts with their disks. This cannot be undone." : "";
        if (action == BulkAction.Delete)
        {
            // Data volumes attached to them go too (a bulk delete keeps none): say which, before anything is lost.
            var chosen = ids.ToHashSet();
            var volumes = (await Volumes.ListAsync(Caller, new PageRequest(PageRequest.MaxLimit, null), Closing)).Items
                .Where(v => v.MachineId is { } m && chosen.Contains(m)).ToList();
            if (volumes.Count > 0)
                warning += $" Their attached data volume{(volumes.Count == 1 ? "" : "s")} {string.Join(", ", volumes.Take(10).Select(v => $"'{v.Name}' ({v.SizeGiB} GiB)"))}" +
                    $"{(volumes.Count > 10 ? ", …" : "")} {(volumes.Count == 1 ? "is" : "are")} deleted too; to keep {(volumes.Count == 1 ? "it" : "them")}, delete the machine from its own page.";
        }
        var confirmed = await Dialogs.ShowMessageBoxAsync($"{BulkLabel(action)} {ids.Count} machine{(ids.Count == 1 ? "" : "s")}",
            $"{char.ToUpperInvariant(what[0])}{what[1..]}: {string.Join(", ", ids.Take(10).Select(NameOf))}{(ids.Count > 10 ? ", …" : "")}?{warning}",
            yesText: BulkLabel(action), cancelText: "Cancel");
        if (confirmed != true)
            return;
        _bulkRunning = true;
        _bulkResults.Clear();
        _bulkTotal = ids.Count;
        _bulkSummary = $"Working: {what}…";
        try
        {
            // Results arrive as each machine is done: the list and the bar follow them live.
            var reporter = new ProgressReporter(this);
            foreach (var chunk in ids.Chunk(MachineService.MaxBulk))
                await MachineService.BulkAsync(Caller, chunk, action.ToString(), reporter, Closing);
            var failed = _bulkResults.Count(r => r.Status >= 300);
            _bulkSummary = failed == 0 ? $"Done: {what}." : $"Done: {_bulkResults.Count - failed} of {ids.Count} succeeded, {failed} refused.";
            _selected.RemoveWhere(id => _bulkResults.Any(r => r.Id == id && r.Status < 300));
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            _bulkSummary = message;
            Snackbar.Add(message, Severity.Error);
        }
        finally
        {
            _bulkRunning = false;
        }
        if (_table is not null)
            await _table.ReloadServerData();
    }

    /// <summary>Reports each machine's outcome to the page on the circuit's dispatcher.</summary>
    private sealed class ProgressReporter(Machines page) : IProgress<BulkItemResult>
    {
        public void Report(BulkItemResult value) => _ = page.InvokeAsync(() =>
        {
            page._bulkResults.Add(value);
            page.StateHasChanged();
        });
    }

    private static string BulkLabel(BulkAction action) => action switch
    {
        BulkAction.Start => "Start",
        BulkAction.Shutdown => "Shut down",
        BulkAction.Poweroff => "Power off",
        BulkAction.Delete => "Delete",
        _ => action.ToString(),
    };

    private static string BulkIcon(BulkAction action) => action switch
    {
        BulkAction.Start => Icons.Material.Filled.PlayArrow,
        BulkAction.Shutdown => Icons.Material.Filled.PowerSettingsNew,
        BulkAction.Poweroff => Icons.Material.Filled.PowerOff,
        _ => Icons.Material.Filled.Delete,
    };

    private async Task RefreshHostNamesAsync() =>
        _hostNames = (await HostService.ListAsync(Closing)).ToDictionary(h => h.Host.Id, h => h.Host.Name);

    private string HostName(Guid hostId) => _hostNames.GetValueOrDefault(hostId, "—");

    private async Task OnFilterChanged(string? filter)
    {
        _filter = string.IsNullOrWhiteSpace(filter) ? null : filter;
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private async Task OpenCreateDialogAsync()
    {
        var dialog = await Dialogs.ShowAsync<CreateMachineDialog>("Create machine",
            new DialogParameters<CreateMachineDialog> { { d => d.Caller, Caller } },
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: Machine machine })
        {
            Snackbar.Add($"Creating machine '{machine.Name}'…", Severity.Info);
            await RefreshHostNamesAsync();
            if (_table is not null)
                await _table.ReloadServerData();
        }
    }

    private Task ActAsync(Machine machine, MachineAction action) => RunForMachineAsync(machine, async () =>
    {
        var after = await MachineService.ActAsync(Caller, machine.Id, action, Closing);
        Snackbar.Add($"{Label(action)}: '{after.Name}' is {after.State.ToContractName()}.", Severity.Success);
    });

    /// <summary>The recorded placement decision: every host, the filter that dropped it or its score.</summary>
    private async Task ShowPlacementAsync(Machine machine)
    {
        var dialog = await Dialogs.ShowAsync<PlacementDialog>($"Placement of {machine.Name}",
            new DialogParameters<PlacementDialog> { { d => d.Caller, Caller }, { d => d.MachineId, machine.Id } },
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        await dialog.Result;
    }

    private async Task DeleteAsync(Machine machine)
    {
        var choice = await MachineDeleteConfirmation.AskAsync(Dialogs, Volumes, Caller, machine, Closing);
        if (choice == MachineDeleteChoice.Cancel)
            return;
        await RunForMachineAsync(machine, async () =>
        {
            var keep = choice == MachineDeleteChoice.DeleteKeepVolumes;
            await MachineService.DeleteAsync(Caller, machine.Id, keep, Closing);
            Snackbar.Add($"Deleting '{machine.Name}'{(keep ? ", keeping its data volumes" : "")}…", Severity.Info);
        });
    }

    /// <summary>Runs one change on a row: its buttons are disabled meanwhile, errors become a snackbar, the table reloads after.</summary>
    private async Task RunForMachineAsync(Machine machine, Func<Task> change)
    {
        _busy.Add(machine.Id);
        try
        {
            await change();
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        finally
        {
            _busy.Remove(machine.Id);
        }
        if (_table is not null)
            await _table.ReloadServerData();
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

    protected override ValueTask OnClosedAsync()
    {
        Events.Changed -= OnMachineChanged;
        return ValueTask.CompletedTask;
    }
}
