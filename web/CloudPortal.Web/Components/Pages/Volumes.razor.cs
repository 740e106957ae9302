using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Volumes;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CloudPortal.Web.Components.Pages;

public partial class Volumes : PortalPageBase
{
    [Inject] private VolumeService Service { get; set; } = default!;
    [Inject] private MachineService Machines { get; set; } = default!;
    [Inject] private HostService Hosts { get; set; } = default!;
    [Inject] private MachineEvents Events { get; set; } = default!;
    [Inject] private VolumeEvents VolumeEvents { get; set; } = default!;

    private bool _mayChange;
    private MudTable<Volume>? _table;
    private string? _filter;
    private string? _name;
    private int _sizeGiB = 1;
    private Guid? _hostId;
    private List<(Guid Id, string Name)> _hosts = [];
    private Dictionary<Guid, string> _hostNames = [];
    private Dictionary<Guid, string> _machineNames = [];
    private IReadOnlyList<Machine> _machines = [];
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
    private int _reloadPending;

    protected override async Task OnInitializedAsync()
    {
        await ResolveCallerAsync();
        _mayChange = Roles.MayChangeMachines(Caller.Role);
        // Everyone reads the Host column by name (as on the machines page); only administrators choose where a volume goes.
        var hosts = (await Hosts.ListAsync(Closing)).Select(h => (h.Host.Id, h.Host.Name)).ToList();
        _hostNames = hosts.ToDictionary(h => h.Id, h => h.Name);
        if (Caller.IsAdmin)
            _hosts = hosts;
        await LoadMachinesAsync();
        Events.Changed += OnMachineChanged;
        VolumeEvents.Changed += OnVolumeChanged;
    }

    /// <summary>
    /// A machine that stops, starts or goes away changes what its volumes show (a deleted machine's volumes go with it or
    /// become available).
    /// </summary>
    private void OnMachineChanged(MachineChange change) => ReloadFor(change.TenantId);

    /// <summary>A volume created, attached, detached, grown or deleted elsewhere (another user, the API) shows here too.</summary>
    private void OnVolumeChanged(VolumeChange change) => ReloadFor(change.TenantId);

    /// <summary>
    /// Reads the table again, once per burst of changes, without a reload of the page; another tenant's change is not
    /// even looked at (only an administrator sees every tenant's volumes).
    /// </summary>
    private void ReloadFor(Guid tenantId)
    {
        if ((!Caller.IsAdmin && tenantId != Caller.TenantId) || Interlocked.Exchange(ref _reloadPending, 1) == 1)
            return;
        _ = InvokeAsync(async () =>
        {
            Interlocked.Exchange(ref _reloadPending, 0);
            if (Closing.IsCancellationRequested)
                return;
            try
            {
                await LoadMachinesAsync();
                if (_table is not null)
                    await _table.ReloadServerData();
                StateHasChanged();
            }
            catch (OperationCanceledException)
            {
                // The page closed meanwhile.
            }
        });
    }

    private async Task LoadMachinesAsync()
    {
        _machines = (await Machines.ListAsync(Caller, new PageRequest(PageRequest.MaxLimit, null), Closing)).Items;
        _machineNames = _machines.ToDictionary(m => m.Id, m => m.Name);
    }

    private bool Has(string field) => _errors.ContainsKey(field);
    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;

    private async Task<TableData<Volume>> LoadAsync(TableState state, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, Closing);
        string? cursor = null;
        Page<Volume> page = new([], null);
        for (var i = 0; i <= state.Page; i++)
        {
            page = await Service.ListAsync(Caller, new PageRequest(state.PageSize, cursor, _filter), linked.Token);
            cursor = page.Next;
            if (cursor is null && i < state.Page)
                break;
        }
        return new TableData<Volume> { Items = page.Items, TotalItems = state.Page * state.PageSize + page.Items.Count + (page.Next is null ? 0 : 1) };
    }

    private async Task FilterAsync(string? filter)
    {
        _filter = filter;
        if (_table is not null)
            await _table.ReloadServerData();
    }

    protected override async Task ReloadAfterChangeAsync()
    {
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private async Task CreateAsync()
    {
        _errors = new Dictionary<string, string[]>();
        try
        {
            Busy = true;
            var volume = await Service.CreateAsync(Caller, _name, _sizeGiB, _hostId, Closing);
            Snackbar.Add($"Volume '{volume.Name}' ({volume.SizeGiB} GiB) created.", Severity.Success);
            _name = null;
        }
        catch (ValidationFailedException ex)
        {
            _errors = ex.Errors;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        finally
        {
            Busy = false;
        }
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private async Task AttachAsync(Volume volume)
    {
        await LoadMachinesAsync();
        var candidates = _machines.Where(m => m.HostId == volume.HostId && m.TenantId == volume.TenantId
            && m.State is MachineState.Running or MachineState.Stopped or MachineState.Paused).OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        if (candidates.Count == 0)
        {
            Snackbar.Add($"No running, paused or stopped machine is on the volume's host.", Severity.Warning);
            return;
        }
        if (await PickDialog.AskAsync(Dialogs, $"Attach {volume.Name}", "Machine",
                candidates.Select(m => (m.Id, $"{m.Name} ({m.State.ToContractName()})")).ToList(), "Attach",
                "A stopped machine gets the disk at its next start; a running one at once (hot-plug). Only machines on the volume's host are offered.")
            is not { } chosen)
            return;
        var machine = candidates.Single(m => m.Id == chosen);
        await RunAsync(async () =>
        {
            var attached = await Service.AttachAsync(Caller, volume.Id, machine.Id, Closing);
            Snackbar.Add($"Volume '{volume.Name}' attached to '{machine.Name}' as {attached.Target}.", Severity.Success);
        });
    }

    private async Task DetachAsync(Volume volume)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Detach volume",
            $"Detach '{volume.Name}' from '{_machineNames.GetValueOrDefault(volume.MachineId ?? Guid.Empty)}'? A running guest should unmount it first.",
            yesText: "Detach", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await RunAsync(async () =>
        {
            var detached = await Service.DetachAsync(Caller, volume.Id, Closing);
            Snackbar.Add(detached.State == VolumeStates.Detaching
                ? $"Detach of '{volume.Name}' requested: the running guest has not released it yet; it becomes available when it does or the machine stops."
                : $"Volume '{volume.Name}' detached.", detached.State == VolumeStates.Detaching ? Severity.Warning : Severity.Success);
        });
    }

    private async Task GrowAsync(Volume volume)
    {
        var answer = await PromptDialog.AskAsync(Dialogs, $"Grow {volume.Name}", $"New size in GiB (now {volume.SizeGiB})", (volume.SizeGiB + 1).ToString(), "Grow");
        if (answer is null)
            return;
        if (!int.TryParse(answer, out var size))
        {
            Snackbar.Add("The size must be a whole number of GiB.", Severity.Error);
            return;
        }
        await RunAsync(async () =>
        {
            var grown = await Service.GrowAsync(Caller, volume.Id, size, Closing);
            Snackbar.Add($"Volume '{volume.Name}' is now {grown.SizeGiB} GiB.", Severity.Success);
        });
    }

    private async Task DeleteAsync(Volume volume)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete volume",
            $"Delete '{volume.Name}' ({volume.SizeGiB} GiB) and everything on it? This cannot be undone.", yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await RunAsync(async () =>
        {
            await Service.DeleteAsync(Caller, volume.Id, Closing);
            Snackbar.Add($"Volume '{volume.Name}' deleted.", Severity.Success);
        });
    }

    protected override ValueTask OnClosedAsync()
    {
        Events.Changed -= OnMachineChanged;
        VolumeEvents.Changed -= OnVolumeChanged;
        return ValueTask.CompletedTask;
    }
}
