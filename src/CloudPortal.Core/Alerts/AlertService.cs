using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Alerts;

/// <summary>
/// Alert rules, alerts and webhooks as callers see them: tenants watch their own machines, administrators also
/// watch hosts. Another tenant's rule or alert is reported as missing.
/// </summary>
public sealed class AlertService(IAlertStore store, IMachineStore machines, IHostStore hosts, Tenancy.ITenantStore tenants,
    AlertEngine engine, AlertWebhookSender webhooks, WebhookAddressPolicy destinations, IAuditLog audit)
{
    public const int MaxUrlLength = 2048;
    public const int MaxSecretLength = 256;

    public Task<Page<AlertRule>> ListRulesAsync(Caller caller, PageRequest page, CancellationToken ct) =>
        store.ListRulesAsync(caller.IsAdmin ? null : caller.TenantId, page, ct);

    public async Task<AlertRule> GetRuleAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var rule = await store.GetRuleAsync(id, ct);
        if (rule is null || !(caller.IsAdmin || rule.TenantId == caller.TenantId))
            throw new NotFoundException($"Alert rule {id} was not found.");
        return rule;
    }

    public Task<AlertRule> CreateRuleAsync(Caller caller, AlertRuleRequest request, CancellationToken ct) =>
        audit.RunAsync(caller, "alert-rule.create", "alert-rule", null, request.Name, async () =>
        {
            EnsureMayChange(caller);
            var rule = AlertRules.Validate(request);
            Guid? tenantId = caller.TenantId;
            if (rule.IsHostRule)
            {
                if (!caller.IsAdmin)
                    throw new ForbiddenException("Only cloud administrators watch hosts.");
                if (rule.TargetId is { } hostId && await hosts.GetAsync(hostId, ct) is null)
                    throw new NotFoundException($"Host {hostId} was not found.");
                tenantId = null;
            }
            else if (rule.Scope == AlertScopes.Machine)
            {
                var machine = await machines.GetAsync(rule.TargetId!.Value, ct);
                if (machine is null || (machine.TenantId != caller.TenantId && !caller.IsAdmin))
                    throw new NotFoundException($"Machine {rule.TargetId} was not found.");
                // An administrator's rule on a tenant's machine is that tenant's: its members see the alert.
                tenantId = machine.TenantId;
            }
            rule = rule with { Id = Guid.NewGuid(), TenantId = tenantId, CreatedAt = Clock.Now() };
            await store.InsertRuleAsync(rule, ct);
            engine.RulesChanged();
            return rule;
        }, r => $"id {r.Id}: {r.Scope} {r.Describe()}", ct);

    public async Task<AlertRule> UpdateRuleAsync(Caller caller, Guid id, AlertRuleRequest request, CancellationToken ct)
    {
        var existing = await GetRuleAsync(caller, id, ct);
        return await audit.RunAsync(caller, "alert-rule.update", "alert-rule", id.ToString(), existing.Name, async () =>
        {
            EnsureMayChange(caller, existing);
            var rule = AlertRules.Merge(existing, request);
            if (!await store.UpdateRuleAsync(rule, ct))
                throw new NotFoundException($"Alert rule {id} was not found.");
            engine.RulesChanged();
            return rule;
        }, r => $"{r.Describe()}, {(r.Enabled ? "enabled" : "disabled")}", ct);
    }

    public async Task DeleteRuleAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var existing = await GetRuleAsync(caller, id, ct);
        await audit.RunAsync(caller, "alert-rule.delete", "alert-rule", id.ToString(), existing.Name, async () =>
        {
            EnsureMayChange(caller, existing);
            if (!await store.DeleteRuleAsync(id, ct))
                throw new NotFoundException($"Alert rule {id} was not found.");
            // Its firing alerts resolve when the engine reloads the rules.
            engine.RulesChanged();
        }, ct);
    }

    public Task<Page<Alert>> ListAlertsAsync(Caller caller, string? state, PageRequest page, CancellationToken ct)
    {
        if (state is not (null or AlertStates.Firing or AlertStates.Resolved))
            throw ValidationFailedException.For("state", "state must be firing or resolved.");
        return store.ListAlertsAsync(caller.IsAdmin ? null : caller.TenantId, state, page, ct);
    }

    /// <summary>The firing alerts a caller may see, for the badge.</summary>
    public Task<int> CountFiringAsync(Caller caller, CancellationToken ct) =>
        store.CountFiringAsync(caller.IsAdmin ? null : caller.TenantId, ct);

    /// <summary>Whether the caller sees this alert: its tenant's, or any for administrators.</summary>
    public static bool MaySee(Caller caller, Alert alert) => caller.IsAdmin || alert.TenantId == caller.TenantId;

    public async Task<AlertWebhook?> GetWebhookAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        await EnsureManagesTenantAsync(caller, tenantId, ct);
        return await store.GetWebhookAsync(tenantId, ct);
    }

    public Task<AlertWebhook> SetWebhookAsync(Caller caller, Guid tenantId, string? url, string? secret, CancellationToken ct) =>
        audit.RunAsync(caller, "alert-webhook.set", "tenant", tenantId.ToString(), null, async () =>
        {
            await EnsureManagesTenantAsync(caller, tenantId, ct);
            var errors = new ValidationErrors();
            if (string.IsNullOrWhiteSpace(url))
                errors.Add("url", "url is required.");
            else if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
                errors.Add("url", $"url must be an absolute http or https URL of at most {MaxUrlLength} characters.");
            else if (!string.IsNullOrEmpty(uri.UserInfo))
                errors.Add("url", "url must not carry a user name or password; use secret to sign the requests instead.");
            // Refused here for a clear answer; the sender checks again on every connection, as names can change.
            else if (await destinations.CheckHostAsync(uri, ct) is { } refused)
                errors.Add("url", refused);
            if (secret is { Length: > MaxSecretLength } || (secret is not null && secret.Any(char.IsControl)))
                errors.Add("secret", $"secret must be at most {MaxSecretLength} characters without control characters.");
            errors.ThrowIfAny();
            var existing = await store.GetWebhookAsync(tenantId, ct);
            var webhook = new AlertWebhook
            {
                TenantId = tenantId, Url = url!, Secret = string.IsNullOrEmpty(secret) ? null : secret,
                LastStatus = existing?.LastStatus, LastAttemptAt = existing?.LastAttemptAt,
            };
            await store.UpsertWebhookAsync(webhook, ct);
            return webhook;
        }, w => $"url {w.Url}{(w.Secret is null ? ", unsigned" : ", signed")}", ct);

    public Task DeleteWebhookAsync(Caller caller, Guid tenantId, CancellationToken ct) =>
        audit.RunAsync(caller, "alert-webhook.delete", "tenant", tenantId.ToString(), null, async () =>
        {
            await EnsureManagesTenantAsync(caller, tenantId, ct);
            await store.DeleteWebhookAsync(tenantId, ct);
        }, ct);

    /// <summary>Sends a test event to the tenant's webhook now; answers how the delivery went.</summary>
    public async Task<string> TestWebhookAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        var webhook = await GetWebhookAsync(caller, tenantId, ct) ?? throw new ConflictException("The tenant has no alert webhook to test; set one first.");
        return await webhooks.SendTestAsync(webhook, ct);
    }

    private static void EnsureMayChange(Caller caller, AlertRule? rule = null)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change alert rules.");
        if (rule is { IsHostRule: true } && !caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators change host rules.");
    }

    /// <summary>Another tenant is reported as missing; in one's own tenant only tenant administrators manage the webhook.</summary>
    private async Task EnsureManagesTenantAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        if ((caller.IsAdmin || caller.TenantId == tenantId) && await tenants.GetAsync(tenantId, ct) is null)
            throw new NotFoundException($"Tenant {tenantId} was not found.");
        if (caller.IsAdmin)
            return;
        if (caller.TenantId != tenantId)
            throw new NotFoundException($"Tenant {tenantId} was not found.");
        if (caller.Role != Roles.TenantAdmin)
            throw new ForbiddenException("Only the tenant's administrators manage its alert webhook.");
    }
}
