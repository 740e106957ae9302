using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CloudPortal.Web.Components.Pages;

public partial class Alerts : PortalPageBase
{
    [Inject] private AlertService Service { get; set; } = default!;
    [Inject] private AlertNotifications Notifications { get; set; } = default!;
    [Inject] private MachineService Machines { get; set; } = default!;
    [Inject] private HostService Hosts { get; set; } = default!;

    private bool _mayChange, _managesWebhook, _testing;
    private MudTable<Alert>? _alertsTable;
    private string _stateFilter = AlertStates.Firing;
    private List<AlertRule> _rules = [];
    private string? _ruleFilter;
    private IReadOnlyList<Machine> _machines = [];
    private IReadOnlyList<CloudPortal.Core.Hosts.Host> _hosts = [];
    private string? _name;
    private string _scope = AlertScopes.Tenant;
    private Guid? _targetId;
    private string _metric = "cpu";
    private string _comparison = ">";
    private double _threshold = 90;
    private int _durationSeconds = 300;
    private AlertWebhook? _webhook;
    private string? _webhookUrl, _webhookSecret;
    private int _reloadPending;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    protected override async Task OnInitializedAsync()
    {
        await ResolveCallerAsync();
        _mayChange = Roles.MayChangeMachines(Caller.Role);
        _managesWebhook = Caller.IsAdmin || Caller.Role == Roles.TenantAdmin;
        _machines = (await Machines.ListAsync(Caller, new PageRequest(PageRequest.MaxLimit, null), Closing)).Items
            .Where(m => m.TenantId == Caller.TenantId).ToList();
        if (Caller.IsAdmin)
            _hosts = (await Hosts.ListAsync(Closing)).Select(h => h.Host).ToList();
        await ReloadRulesAsync();
        if (_managesWebhook)
        {
            _webhook = await Service.GetWebhookAsync(Caller, Caller.TenantId, Closing);
            _webhookUrl = _webhook?.Url;
        }
        Notifications.Changed += OnAlert;
    }

    private bool Has(string field) => _errors.ContainsKey(field);
    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;

    private static string Unit(string metric)
    {
        if (metric == AlertRules.MemoryPercent)
            return " (percent)";
        var definition = MetricCatalog.Machine.Concat(MetricCatalog.Host).FirstOrDefault(m => m.Name == metric);
        return definition is null ? "" : $" ({definition.Unit})";
    }

    private static string Condition(Alert alert) => alert.Metric == AlertRules.Unreachable
        ? "unreachable"
        : $"{alert.Metric} {alert.Comparison} {alert.Threshold:0.##}";

    private string Watches(AlertRule rule) => rule.Scope switch
    {
        AlertScopes.Machine => $"machine {_machines.FirstOrDefault(m => m.Id == rule.TargetId)?.Name ?? rule.TargetId.ToString()}",
        AlertScopes.Host => rule.TargetId is { } id ? $"host {_hosts.FirstOrDefault(h => h.Id == id)?.Name ?? id.ToString()}" : "every host",
        _ => "every machine of the tenant",
    };

    private bool MayEdit(AlertRule rule) => _mayChange && (!rule.IsHostRule || Caller.IsAdmin);

    private bool RuleMatches(AlertRule rule) => string.IsNullOrWhiteSpace(_ruleFilter)
        || rule.Name.Contains(_ruleFilter, StringComparison.OrdinalIgnoreCase)
        || rule.Metric.Contains(_ruleFilter, StringComparison.OrdinalIgnoreCase);

    private void ScopeChanged(string scope)
    {
        _scope = scope;
        _targetId = null;
        if (!AlertRules.MetricsFor(scope).Contains(_metric))
            _metric = "cpu";
    }

    private async Task<TableData<Alert>> LoadAlertsAsync(TableState state, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, Closing);
        string? cursor = null;
        Page<Alert> page = new([], null);
        for (var i = 0; i <= state.Page; i++)
        {
            page = await Service.ListAlertsAsync(Caller, string.IsNullOrEmpty(_stateFilter) ? null : _stateFilter,
                new PageRequest(state.PageSize, cursor), linked.Token);
            cursor = page.Next;
            if (cursor is null && i < state.Page)
                break;
        }
        return new TableData<Alert> { Items = page.Items, TotalItems = state.Page * state.PageSize + page.Items.Count + (page.Next is null ? 0 : 1) };
    }

    private async Task FilterAsync(string state)
    {
        _stateFilter = state;
        if (_alertsTable is not null)
            await _alertsTable.ReloadServerData();
    }

    private void OnAlert(Alert alert)
    {
        if (!AlertService.MaySee(Caller, alert) || Interlocked.Exchange(ref _reloadPending, 1) == 1)
            return;
        _ = InvokeAsync(async () =>
        {
            Interlocked.Exchange(ref _reloadPending, 0);
            if (Closing.IsCancellationRequested)
                return;
            // A rule made elsewhere (the API, another browser) shows once it raises something.
            await ReloadRulesAsync();
            if (_alertsTable is not null)
                await _alertsTable.ReloadServerData();
            StateHasChanged();
        });
    }

    private async Task ReloadRulesAsync()
    {
        var all = new List<AlertRule>();
        string? cursor = null;
        do
        {
            var page = await Service.ListRulesAsync(Caller, new PageRequest(PageRequest.MaxLimit, cursor), Closing);
            all.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);
        _rules = all;
    }

    private async Task CreateRuleAsync()
    {
        _errors = new Dictionary<string, string[]>();
        try
        {
            var rule = await Service.CreateRuleAsync(Caller, new AlertRuleRequest(_name, _scope, _targetId, _metric, _comparison,
                _metric == AlertRules.Unreachable ? 0 : _threshold, _durationSeconds, true), Closing);
            Snackbar.Add($"Rule '{rule.Name}' added: {rule.Describe()}.", Severity.Success);
            _name = null;
            await ReloadRulesAsync();
        }
        catch (ValidationFailedException ex)
        {
            _errors = ex.Errors;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
    }

    private async Task SetEnabledAsync(AlertRule rule, bool enabled)
    {
        try
        {
            await Service.UpdateRuleAsync(Caller, rule.Id, new AlertRuleRequest(null, null, null, null, null, null, null, enabled), Closing);
            Snackbar.Add($"Rule '{rule.Name}' {(enabled ? "enabled" : "disabled: its alerts resolve")}.", Severity.Info);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadRulesAsync();
    }

    private async Task DeleteRuleAsync(AlertRule rule)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete rule",
            $"Delete rule '{rule.Name}' ({rule.Describe()})? Alerts it raised resolve.", yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Service.DeleteRuleAsync(Caller, rule.Id, Closing);
            Snackbar.Add($"Rule '{rule.Name}' deleted.", Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadRulesAsync();
    }

    private async Task SaveWebhookAsync()
    {
        _errors = new Dictionary<string, string[]>();
        try
        {
            // An empty secret field keeps the one already set.
            var secret = string.IsNullOrEmpty(_webhookSecret) ? _webhook?.Secret : _webhookSecret;
            _webhook = await Service.SetWebhookAsync(Caller, Caller.TenantId, _webhookUrl, secret, Closing);
            _webhookSecret = null;
            Snackbar.Add("Webhook saved.", Severity.Success);
        }
        catch (ValidationFailedException ex)
        {
            _errors = ex.Errors;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
    }

    private async Task TestWebhookAsync()
    {
        _testing = true;
        try
        {
            var status = await Service.TestWebhookAsync(Caller, Caller.TenantId, Closing);
            Snackbar.Add($"Test event: {status}", status.StartsWith("delivered", StringComparison.Ordinal) ? Severity.Success : Severity.Warning);
            _webhook = await Service.GetWebhookAsync(Caller, Caller.TenantId, Closing);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        finally
        {
            _testing = false;
        }
    }

    private async Task DeleteWebhookAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Remove webhook", "Stop sending this tenant's alerts to the webhook?",
            yesText: "Remove", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Service.DeleteWebhookAsync(Caller, Caller.TenantId, Closing);
            _webhook = null;
            _webhookUrl = null;
            Snackbar.Add("Webhook removed.", Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
    }

    protected override ValueTask OnClosedAsync()
    {
        Notifications.Changed -= OnAlert;
        return ValueTask.CompletedTask;
    }
}
