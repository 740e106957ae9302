namespace CloudPortal.Core.Alerts;

/// <summary>CloudPortal:Alerts: how webhooks are delivered.</summary>
public sealed class AlertOptions
{
    public const string Section = "CloudPortal:Alerts";
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Attempts per event: a receiver restarting for a few seconds still gets it.</summary>
    public int WebhookAttempts { get; set; } = 3;
    /// <summary>The wait before the second attempt; doubled before each further one.</summary>
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(2);
}
