using CloudPortal.Core.Common;
using CloudPortal.Core.Networks;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace CloudPortal.Web.Networks;

/// <summary>The tenant's networks: listed, created (NAT or isolated) and deleted (after a confirmation) by those who may change machines.</summary>
public sealed partial class NetworksPage
{
    [Inject] private NetworkService Networks { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private Caller _caller = default!;
    private bool _mayChange;
    private IReadOnlyList<TenantNetwork> _networks = [];
    private string? _name, _nameError, _filter;
    private string _mode = NetworkModes.Nat;

    protected override async Task OnInitializedAsync()
    {
        _caller = (await AuthenticationState).User.ToCaller();
        _mayChange = Roles.MayChangeMachines(_caller.Role);
        await ReloadAsync();
    }

    private bool Matches(TenantNetwork n) => string.IsNullOrWhiteSpace(_filter)
        || n.Name.Contains(_filter, StringComparison.OrdinalIgnoreCase) || n.Cidr.Contains(_filter, StringComparison.Ordinal);

    private async Task ReloadAsync() =>
        _networks = (await Networks.ListAsync(_caller, new PageRequest(PageRequest.MaxLimit, null), CancellationToken.None)).Items;

    private async Task CreateAsync()
    {
        _nameError = null;
        try
        {
            var network = await Networks.CreateAsync(_caller, _name, _mode, CancellationToken.None);
            Snackbar.Add($"Network '{network.Name}' created: {network.Mode}, {network.Cidr}.", Severity.Success);
            _name = null;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            _nameError = message;
        }
        await ReloadAsync();
    }

    private async Task DeleteAsync(TenantNetwork network)
    {
        if (await Dialogs.ShowMessageBoxAsync("Delete network",
                $"Delete network '{network.Name}' ({network.Cidr}) and its bridges on every host? Only a network no machine uses can be deleted.",
                yesText: "Delete", cancelText: "Cancel") != true)
            return;
        try
        {
            await Networks.DeleteAsync(_caller, network.Id, CancellationToken.None);
            Snackbar.Add($"Network '{network.Name}' deleted.", Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadAsync();
    }
}
