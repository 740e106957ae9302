using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Storage;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CloudPortal.Web.Components.Pages;

public sealed partial class Pools : PortalPageBase
{
    [Inject] private PoolService PoolService { get; set; } = default!;
    [Inject] private HostService HostService { get; set; } = default!;
    [Inject] private HostConnections Connections { get; set; } = default!;

    private IReadOnlyList<HostView> _hosts = [];
    private IReadOnlyList<PoolView> _pools = [];
    private Guid? _hostId;
    private string? _open;
    private bool _loading = true;

    protected override async Task OnInitializedAsync()
    {
        await ResolveCallerAsync();
        _hosts = await HostService.ListAsync(Closing);
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
        if (Closing.IsCancellationRequested)
            return;
        _loading = true;
        try
        {
            _pools = await PoolService.ListAsync(Caller, _hostId, Closing);
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
            await PoolService.DeleteAsync(Caller, pool.HostId, pool.Name, Closing);
            Snackbar.Add($"Pool '{pool.Name}' deleted.", Severity.Success);
        });
    }

    private Task ActAsync(PoolView pool, PoolAction action) => RunAsync(async () =>
    {
        var after = await PoolService.ActAsync(Caller, pool.HostId, pool.Name, action, Closing);
        Snackbar.Add($"Pool '{after.Name}' is {after.State}.", Severity.Success);
    });

    protected override Task ReloadAfterChangeAsync() => ReloadAsync();

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

    protected override ValueTask OnClosedAsync()
    {
        Connections.StatusChanged -= OnHostChanged;
        return ValueTask.CompletedTask;
    }
}
