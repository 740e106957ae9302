using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Alerts;

/// <summary>An alert that fired or resolved, told to the live pages, the hub and the webhook sender.</summary>
public sealed class AlertNotifications(ILogger<AlertNotifications> log)
{
    public event Action<Alert>? Changed;

    public void Publish(Alert alert)
    {
        foreach (var handler in Changed?.GetInvocationList().Cast<Action<Alert>>() ?? [])
        {
            try
            {
                handler(alert);
            }
            catch (Exception ex)
            {
                // A closed browser circuit must not keep the webhook or the other pages from hearing.
                log.LogWarning(ex, "An alert subscriber failed");
            }
        }
    }
}
