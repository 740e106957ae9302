using CloudPortal.Core.Common;
using CloudPortal.Core.Placement;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace CloudPortal.Web.Placement;

/// <summary>The tenant's placement groups: listed with their machines, created and deleted by those who may change machines.</summary>
public sealed partial class PlacementGroupsPage
{
    [Inject] private PlacementGroupService Groups { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private Caller _caller = default!;
    private bool _mayChange;
    private IReadOnlyList<PlacementGroup> _groups = [];
    private ILookup<Guid, string> _members = Array.Empty<string>().ToLookup(_ => Guid.Empty);
    private string? _name, _nameError, _filter;
    private string _policy = PlacementGroupPolicies.AntiAffinity;
    private bool _strict = true;

    protected override async Task OnInitializedAsync()
    {
        _caller = (await AuthenticationState).User.ToCaller();
        _mayChange = PlacementGroupService.MayChange(_caller);
        await ReloadAsync();
    }

    private bool Matches(PlacementGroup g) => string.IsNullOrWhiteSpace(_filter) || g.Name.Contains(_filter, StringComparison.OrdinalIgnoreCase);

    private async Task ReloadAsync()
    {
        _groups = await Groups.ListAsync(_caller, CancellationToken.None);
        _members = await Groups.MemberNamesAsync(_caller, CancellationToken.None);
    }

    private async Task CreateAsync()
    {
        _nameError = null;
        try
        {
            var group = await Groups.CreateAsync(_caller, _name, _policy, _strict, CancellationToken.None);
            Snackbar.Add($"Group '{group.Name}' created: {(group.Strict ? "strict" : "soft")} {group.Policy}.", Severity.Success);
            _name = null;
        }
        catch (ValidationFailedException ex)
        {
            _nameError = string.Join(" ", ex.Errors.SelectMany(e => e.Value));
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            _nameError = message;
        }
        await ReloadAsync();
    }

    private async Task DeleteAsync(PlacementGroup group)
    {
        if (await Dialogs.ShowMessageBoxAsync("Delete placement group", $"Delete group '{group.Name}'? Only an empty group can be deleted.",
                yesText: "Delete", cancelText: "Cancel") != true)
            return;
        try
        {
            await Groups.DeleteAsync(_caller, group.Id, CancellationToken.None);
            Snackbar.Add($"Group '{group.Name}' deleted.", Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadAsync();
    }
}
