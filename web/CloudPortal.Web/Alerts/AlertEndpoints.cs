using System.Security.Claims;
using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Api;

namespace CloudPortal.Web.Alerts;

public sealed record AlertRuleDto(Guid Id, Guid? TenantId, string Name, string Scope, Guid? TargetId, string Metric, string Comparison,
    double Threshold, int DurationSeconds, bool Enabled, string Condition, DateTimeOffset CreatedAt)
{
    public static AlertRuleDto From(AlertRule r) => new(r.Id, r.TenantId, r.Name, r.Scope, r.TargetId, r.Metric, r.Comparison, r.Threshold,
        r.DurationSeconds, r.Enabled, r.Describe(), r.CreatedAt);
}

/// <summary>A new rule or a change to one (PATCH: fields left out stay as they are; scope and targetId never change).</summary>
public sealed record AlertRuleBody(string? Name, string? Scope, Guid? TargetId, string? Metric, string? Comparison, double? Threshold,
    int? DurationSeconds, bool? Enabled)
{
    public AlertRuleRequest ToRequest() => new(Name, Scope, TargetId, Metric, Comparison, Threshold, DurationSeconds, Enabled);
}

public sealed record AlertDto(Guid Id, Guid RuleId, string RuleName, Guid? TenantId, string SubjectKind, Guid SubjectId, string SubjectName,
    string Metric, string Comparison, double Threshold, double? Value, string State, DateTimeOffset FiredAt, DateTimeOffset? ResolvedAt)
{
    public static AlertDto From(Alert a) => new(a.Id, a.RuleId, a.RuleName, a.TenantId, a.SubjectKind, a.SubjectId, a.SubjectName, a.Metric,
        a.Comparison, a.Threshold, a.Value is { } v ? Math.Round(v, 3) : null, a.State, a.FiredAt, a.ResolvedAt);
}

/// <summary>The secret is never sent back: only whether one is set. url null: no webhook is set.</summary>
public sealed record AlertWebhookDto(Guid TenantId, string? Url, bool Signed, string? LastStatus, DateTimeOffset? LastAttemptAt)
{
    public static AlertWebhookDto From(AlertWebhook w) => new(w.TenantId, w.Url, w.Secret is not null, w.LastStatus, w.LastAttemptAt);
}

public sealed record AlertWebhookBody(string? Url, string? Secret);
public sealed record AlertWebhookTestDto(string Status);

public static class AlertEndpoints
{
    public static RouteGroupBuilder MapAlertEndpoints(this RouteGroupBuilder api)
    {
        var rules = api.MapGroup("/alert-rules").WithTags("Alerts");
        rules.MapGet("/", async (int? limit, string? cursor, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
        {
            var page = await service.ListRulesAsync(user.ToCaller(), PageRequest.Create(limit, cursor), ct);
            return new PageDto<AlertRuleDto>(page.Items.Select(AlertRuleDto.From).ToList(), page.Next);
        })
        .WithSummary("The tenant's alert rules by name; administrators see every rule, host rules included.")
        .Produces<PageDto<AlertRuleDto>>();

        rules.MapPost("/", async (AlertRuleBody? body, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with name, scope, metric, comparison, threshold and durationSeconds is required.");
            var rule = await service.CreateRuleAsync(user.ToCaller(), body.ToRequest(), ct);
            return Results.Created($"/api/v1/alert-rules/{rule.Id}", AlertRuleDto.From(rule));
        })
        .WithSummary("Create a rule: scope machine (targetId the machine), tenant (every machine of the tenant) or host (administrators; " +
            "targetId a host or none for all), metric from the monitoring series (or 'unreachable' for hosts), comparison '>' or '<', " +
            "threshold, durationSeconds the condition must hold before the alert fires.")
        .Produces<AlertRuleDto>(StatusCodes.Status201Created)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        rules.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            AlertRuleDto.From(await service.GetRuleAsync(user.ToCaller(), id, ct)))
        .WithSummary("One alert rule.")
        .Produces<AlertRuleDto>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapPatch("/{id:guid}", async (Guid id, AlertRuleBody? body, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with the fields to change is required.");
            return AlertRuleDto.From(await service.UpdateRuleAsync(user.ToCaller(), id, body.ToRequest(), ct));
        })
        .WithSummary("Change a rule's name, metric, comparison, threshold, duration or enabled; an alert it raised keeps firing until the new condition clears.")
        .Produces<AlertRuleDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        rules.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
        {
            await service.DeleteRuleAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        })
        .WithSummary("Delete a rule; alerts it raised resolve.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/alerts", async (string? state, int? limit, string? cursor, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
        {
            var page = await service.ListAlertsAsync(user.ToCaller(), state, PageRequest.Create(limit, cursor), ct);
            return new PageDto<AlertDto>(page.Items.Select(AlertDto.From).ToList(), page.Next);
        })
        .WithTags("Alerts")
        .WithSummary("Alerts, newest first (?state=firing|resolved); resolved ones are kept 30 days.")
        .Produces<PageDto<AlertDto>>()
        .ProducesValidationProblem();

        var webhook = api.MapGroup("/tenants/{id:guid}/alert-webhook").WithTags("Alerts");
        webhook.MapGet("/", async (Guid id, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            await service.GetWebhookAsync(user.ToCaller(), id, ct) is { } w ? AlertWebhookDto.From(w) : new AlertWebhookDto(id, null, false, null, null))
        .WithSummary("The tenant's alert webhook (tenant administrators): its URL (null when none is set), whether requests are signed, how the last delivery went.")
        .Produces<AlertWebhookDto>()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

        webhook.MapPut("/", async (Guid id, AlertWebhookBody? body, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with url (and optionally secret) is required.");
            return AlertWebhookDto.From(await service.SetWebhookAsync(user.ToCaller(), id, body.Url, body.Secret, ct));
        })
        .WithSummary("Set the tenant's alert webhook: alerts that fire or resolve are POSTed to url as JSON; with a secret each body is " +
            "signed (header X-CloudPortal-Signature: sha256=<hex HMAC-SHA256 of the body>). url must reach a public address: loopback, " +
            "private, link-local (cloud metadata) and other inside addresses, or a name resolving to one, are refused (400) unless the " +
            "administrator allows their network (CLOUDPORTAL_WEBHOOK_ALLOWED_NETWORKS); deliveries are checked again at each connection.")
        .Produces<AlertWebhookDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

        webhook.MapDelete("/", async (Guid id, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
        {
            await service.DeleteWebhookAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        })
        .WithSummary("Remove the tenant's alert webhook (nothing to remove is not an error).")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

        webhook.MapPost("/test", async (Guid id, ClaimsPrincipal user, AlertService service, CancellationToken ct) =>
            new AlertWebhookTestDto(await service.TestWebhookAsync(user.ToCaller(), id, ct)))
        .WithSummary("Send a test event (alert.test) to the webhook now and answer how the delivery went; 409 when no webhook is set.")
        .Produces<AlertWebhookTestDto>()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
