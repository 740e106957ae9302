using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Placement;
using CloudPortal.Core.Tenancy;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Host = CloudPortal.Core.Hosts.Host;

namespace CloudPortal.Web.Placement;

/// <summary>The administrator's trust settings: isolation and placement mode per tenant, dedicated hosts, pairs kept apart.</summary>
public sealed partial class TrustPage
{
    [Inject] private TenantService Tenants { get; set; } = default!;
    [Inject] private TrustService Trust { get; set; } = default!;
    [Inject] private IHostStore Hosts { get; set; } = default!;
    [Inject] private HostPlacement Placement { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private Caller _caller = default!;
    private IReadOnlyList<Tenant> _tenants = [];
    private IReadOnlyList<Host> _hosts = [];
    private TrustSettings? _settings;
    private string? _filter, _error;
    private Guid? _apartA, _apartB;

    private string CloudMode => Placement.CloudMode.ToContractName();

    private IReadOnlyList<Host> Unassigned => _hosts.Where(h => _settings?.DedicatedHosts.ContainsKey(h.Id) != true).ToList();

    private IEnumerable<Host> AssignedTo(Guid tenantId) =>
        _hosts.Where(h => _settings?.DedicatedHosts.TryGetValue(h.Id, out var owner) == true && owner == tenantId);

    protected override async Task OnInitializedAsync()
    {
        _caller = (await AuthenticationState).User.ToCaller();
        await ReloadAsync();
    }

    private bool Matches(Tenant t) => string.IsNullOrWhiteSpace(_filter) || t.Name.Contains(_filter, StringComparison.OrdinalIgnoreCase);

    private async Task ReloadAsync()
    {
        _tenants = await Tenants.ListAsync(_caller, CancellationToken.None);
        _hosts = await Hosts.ListAsync(CancellationToken.None);
        _settings = await Trust.LoadAsync(_caller, CancellationToken.None);
    }

    private Task SetIsolationAsync(Tenant tenant, string isolation) =>
        ActAsync(() => Tenants.UpdateAsync(_caller, tenant.Id, null, null, isolation, CancellationToken.None), $"'{tenant.Name}' is now {isolation}.");

    private Task SetModeAsync(Tenant tenant, string mode) =>
        ActAsync(() => Tenants.UpdateAsync(_caller, tenant.Id, null, null, null, mode, CancellationToken.None),
            mode == TenantService.CloudPlacementMode ? $"'{tenant.Name}' follows the cloud's placement mode." : $"'{tenant.Name}' is placed by {mode}.");

    private Task AssignAsync(Host host, Tenant tenant) =>
        ActAsync(() => Trust.AssignHostAsync(_caller, host.Id, tenant.Id, CancellationToken.None), $"{host.Name} assigned to '{tenant.Name}'.");

    private async Task UnassignAsync(Host host, Tenant tenant)
    {
        if (await Dialogs.ShowMessageBoxAsync("Remove assignment", $"Remove host {host.Name} from '{tenant.Name}'? Its machines there stay.",
                yesText: "Remove", cancelText: "Cancel") != true)
            return;
        await ActAsync(() => Trust.UnassignHostAsync(_caller, host.Id, tenant.Id, CancellationToken.None), $"{host.Name} no longer assigned to '{tenant.Name}'.");
    }

    private async Task KeepApartAsync()
    {
        if (_apartA is not { } a || _apartB is not { } b)
            return;
        await ActAsync(() => Trust.KeepApartAsync(_caller, a, b, CancellationToken.None), "Kept apart.");
        _apartA = _apartB = null;
    }

    private async Task TogetherAsync(Guid a, Guid b)
    {
        if (await Dialogs.ShowMessageBoxAsync("Stop keeping apart", $"Allow '{_settings!.NameOf(a)}' and '{_settings.NameOf(b)}' on one host again?",
                yesText: "Allow", cancelText: "Cancel") != true)
            return;
        await ActAsync(() => Trust.RemoveApartAsync(_caller, a, b, CancellationToken.None), "No longer kept apart.");
    }

    private async Task ActAsync(Func<Task> action, string done)
    {
        _error = null;
        try
        {
            await action();
            Snackbar.Add(done, Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            // A refused policy's reason names the numbers: keep it on the page rather than in a fleeting snackbar.
            _error = message;
        }
        await ReloadAsync();
    }
}
