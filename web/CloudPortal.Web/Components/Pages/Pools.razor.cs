using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Storage;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace CloudPortal.Web.Components.Pages;

public sealed partial class Pools
{
    [Inject] private PoolService PoolService { get; set; } = default!;
    [Inject] private HostService HostService { get; set; } = default!;
    [Inject] private HostConnections Connections { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _disposed = new();
    private Caller _caller = default!;
    private IReadOnlyList<HostView> _hosts = [];
    private IReadOnlyList<PoolView> _pools = [];
    private Guid? _hostId;
    private string? _open;
    private bool _loading = true;
    private bool _busy;

    protected override async Task OnInitializedAsync()
    {
        _caller = (await AuthenticationState).User.ToCaller();
        _hosts = await HostService.ListAsync(_disposed.Token);
        await ReloadAsync();
        Connections.StatusChanged += OnHostChanged;
    }

    private void OnHostChanged(HostStatus status) => _ = InvokeAsync(ReloadAsync);

    private async Task OnHostChangedAsync(Guid? hostId)
    {
        _hostId = hostId;
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        if (_disposed.IsCancellationRequested)
            return;
        _loading = true;
        try
        {
            _pools = await PoolService.ListAsync(_caller, _hostId, _disposed.Token);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        finally
        {
            _loading = false;
        }
        StateHasChanged();
    }

    private void ToggleVolumes(PoolView pool) => _open = _open == pool.Id ? null : pool.Id;

    private async Task StopAsync(PoolView pool)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Stop pool",
            $"Stop pool '{pool.Name}'? Machines whose disks are in it cannot start until it runs again.", yesText: "Stop", cancelText: "Cancel");
        if (confirmed == true)
            await ActAsync(pool, PoolAction.Stop);
    }

    private async Task DeleteAsync(PoolView pool)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete pool",
            $"Delete pool '{pool.Name}' from its host? It must hold no volumes; its directory is removed. This cannot be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await RunAsync(async () =>
        {
            await PoolService.DeleteAsync(_caller, pool.HostId, pool.Name, _disposed.Token);
            Snackbar.Add($"Pool '{pool.Name}' deleted.", Severity.Success);
        });
    }

    private Task ActAsync(PoolView pool, PoolAction action) => RunAsync(async () =>
    {
        var after = await PoolService.ActAsync(_caller, pool.HostId, pool.Name, action, _disposed.Token);
        Snackbar.Add($"Pool '{after.Name}' is {after.State}.", Severity.Success);
    });

    private async Task RunAsync(Func<Task> change)
    {
        _busy = true;
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
            _busy = false;
        }
        await ReloadAsync();
    }

    private string HostName(Guid hostId) => _hosts.FirstOrDefault(h => h.Host.Id == hostId)?.Host.Name ?? hostId.ToString();

    private static Color StateColor(string state) => state switch
    {
        "running" => Color.Success,
        PoolService.Missing or PoolService.Unreachable => Color.Error,
        "inactive" => Color.Default,
        _ => Color.Warning,
    };

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 40 => $"{bytes / (double)(1L << 40):0.0} TiB",
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        _ => $"{bytes / 1024.0:0} KiB",
    };

    public async ValueTask DisposeAsync()
    {
        Connections.StatusChanged -= OnHostChanged;
        await _disposed.CancelAsync();
        _disposed.Dispose();
    }
}
