using CloudPortal.Core.Alerts;
using CloudPortal.Web.Live;
using Microsoft.AspNetCore.SignalR;

namespace CloudPortal.Web.Alerts;

public static class AlertExtensions
{
    public static IServiceCollection AddPortalAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section);
        services.AddSingleton<AlertNotifications>();
        services.AddSingleton<AlertEngine>();
        services.AddHostedService(provider => provider.GetRequiredService<AlertEngine>());
        // Resolved when the sender starts with the portal, so a bad network in the list stops the start with its message.
        services.AddSingleton(provider => new WebhookAddressPolicy(WebhookAddressPolicy.ParseNetworks(AllowedNetworks(
            provider.GetRequiredService<IConfiguration>()))));
        services.AddSingleton<AlertWebhookSender>();
        services.AddHostedService(provider => provider.GetRequiredService<AlertWebhookSender>());
        services.AddSingleton<AlertService>();
        services.AddHostedService<AlertLiveForwarder>();
        return services;
    }

    /// <summary>The administrator's allow-list: CLOUDPORTAL_WEBHOOK_ALLOWED_NETWORKS, else CloudPortal:Alerts:WebhookAllowedNetworks.</summary>
    private static string? AllowedNetworks(IConfiguration configuration) =>
        configuration[WebhookAddressPolicy.AllowedNetworksVariable] is { Length: > 0 } variable
            ? variable
            : configuration[WebhookAddressPolicy.AllowedNetworksKey];
}

/// <summary>Alerts as they fire and resolve, pushed to the hub: a tenant's to its group, host alerts to the administrators'.</summary>
public sealed class AlertLiveForwarder(AlertNotifications notifications, IHubContext<LiveHub> hub, ILogger<AlertLiveForwarder> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        notifications.Changed += Forward;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        notifications.Changed -= Forward;
        return Task.CompletedTask;
    }

    private void Forward(Alert alert)
    {
        var group = alert.TenantId is { } tenantId ? LiveHub.TenantGroup(tenantId) : LiveHub.AdminGroup;
        _ = SendAsync(group, AlertDto.From(alert));
    }

    private async Task SendAsync(string group, AlertDto alert)
    {
        try
        {
            await hub.Clients.Group(group).SendAsync("alert", alert);
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Pushing alert {AlertId} to live clients failed", alert.Id);
        }
    }
}
