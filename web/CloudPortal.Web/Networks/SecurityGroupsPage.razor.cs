using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Networks;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace CloudPortal.Web.Networks;

/// <summary>The tenant's security groups with a rules editor; validation messages sit under the field they belong to.</summary>
public sealed partial class SecurityGroupsPage
{
    [Inject] private SecurityGroupService Groups { get; set; } = default!;
    [Inject] private IHostStore Hosts { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private Caller _caller = default!;
    private bool _mayChange;
    private IReadOnlyList<SecurityGroup> _groups = [];
    private readonly Dictionary<Guid, RuleDraft> _drafts = [];
    private string? _groupName, _groupError;

    protected override async Task OnInitializedAsync()
    {
        _caller = (await AuthenticationState).User.ToCaller();
        _mayChange = Roles.MayChangeMachines(_caller.Role);
        await ReloadAsync();
    }

    private async Task ReloadAsync() => _groups = await Groups.ListAsync(_caller, CancellationToken.None);

    private RuleDraft Draft(Guid groupId)
    {
        if (!_drafts.TryGetValue(groupId, out var draft))
            _drafts[groupId] = draft = new RuleDraft();
        return draft;
    }

    private string GroupName(Guid? id) => _groups.FirstOrDefault(g => g.Id == id)?.Name ?? id.ToString()!;

    private async Task CreateGroupAsync()
    {
        _groupError = null;
        try
        {
            var group = await Groups.CreateAsync(_caller, _groupName, CancellationToken.None);
            Snackbar.Add($"Security group '{group.Name}' created: it drops all inbound traffic until you add rules.", Severity.Success);
            _groupName = null;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            _groupError = message;
        }
        await ReloadAsync();
    }

    private async Task AddRuleAsync(SecurityGroup group)
    {
        var draft = Draft(group.Id);
        draft.Errors = null;
        try
        {
            var change = await Groups.AddRuleAsync(_caller, group.Id, new SecurityRuleRequest(draft.Protocol,
                SecurityProtocols.HasPorts(draft.Protocol) ? draft.PortFrom : null,
                SecurityProtocols.HasPorts(draft.Protocol) ? draft.PortTo : null,
                string.IsNullOrWhiteSpace(draft.SourceCidr) ? null : draft.SourceCidr, draft.SourceGroupId), CancellationToken.None);
            if (!await WarnPendingAsync($"Rule added to '{group.Name}'", change))
                Snackbar.Add($"Rule added to '{group.Name}'; running machines have it now.", Severity.Success);
            _drafts.Remove(group.Id);
        }
        catch (ValidationFailedException ex)
        {
            draft.Errors = ex.Errors;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadAsync();
    }

    private async Task RemoveRuleAsync(SecurityGroup group, SecurityGroupRule rule)
    {
        try
        {
            var change = await Groups.RemoveRuleAsync(_caller, group.Id, rule.Id, CancellationToken.None);
            if (!await WarnPendingAsync($"Rule removed from '{group.Name}'", change))
                Snackbar.Add($"Rule removed from '{group.Name}'.", Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadAsync();
    }

    /// <summary>Says which hosts still have the old rules (they were unreachable); false when every host has the change.</summary>
    private async Task<bool> WarnPendingAsync(string done, SecurityGroupChange change)
    {
        if (change.PendingHosts.Count == 0)
            return false;
        var names = new List<string>();
        foreach (var pending in change.PendingHosts)
            names.Add((await Hosts.GetAsync(pending.HostId, CancellationToken.None))?.Name ?? pending.HostId.ToString());
        Snackbar.Add($"{done} and in force on the reachable hosts; {string.Join(", ", names)} could not be updated now and will be when they reconnect.",
            Severity.Warning);
        return true;
    }

    private async Task DeleteGroupAsync(SecurityGroup group)
    {
        if (await Dialogs.ShowMessageBoxAsync("Delete security group",
                $"Delete security group '{group.Name}'? Only a group no machine uses and no other group's rule names can be deleted.",
                yesText: "Delete", cancelText: "Cancel") != true)
            return;
        try
        {
            await Groups.DeleteAsync(_caller, group.Id, CancellationToken.None);
            Snackbar.Add($"Security group '{group.Name}' deleted.", Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadAsync();
    }

    /// <summary>The rule being typed for one group, and the field errors of its last attempt.</summary>
    private sealed class RuleDraft
    {
        public string Protocol { get; set; } = SecurityProtocols.Tcp;
        public int? PortFrom { get; set; }
        public int? PortTo { get; set; }
        public string? SourceCidr { get; set; }
        public Guid? SourceGroupId { get; set; }
        public IReadOnlyDictionary<string, string[]>? Errors { get; set; }

        public bool Has(string field) => Errors?.ContainsKey(field) ?? false;
        public string? Error(string field) => Errors is not null && Errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;
    }
}
