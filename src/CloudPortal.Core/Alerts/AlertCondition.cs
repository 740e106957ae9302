namespace CloudPortal.Core.Alerts;

public enum AlertTransition { None, Fired, Resolved }

/// <summary>
/// One rule on one machine or host, sample by sample: the condition must hold on every sample for the rule's
/// duration before the alert fires, and the first sample where it does not hold resolves it. A gap (the host did
/// not answer, or the value is unknown) neither counts as breaching nor resolves: an outage says nothing about a
/// machine's CPU, and an alert must not flap because a sample was missed. Host reachability is the exception:
/// there the failed sample is the breach.
/// </summary>
public sealed class AlertCondition(AlertRule rule)
{
    public AlertRule Rule { get; private set; } = rule;
    public DateTimeOffset? BreachingSince { get; private set; }
    public bool Firing => Open is not null;
    /// <summary>The alert while firing.</summary>
    public Alert? Open { get; private set; }
    /// <summary>When a sample (or a gap) was last seen for the subject: a subject no longer sampled is stale.</summary>
    public DateTimeOffset LastSeen { get; private set; }
    /// <summary>The value of the latest breaching sample, for the alert's record.</summary>
    public double? LastValue { get; private set; }

    /// <summary>A rule edited while its alert fires keeps the alert; the new threshold decides from the next sample.</summary>
    public void Update(AlertRule rule) => Rule = rule;

    /// <summary>Restores an alert that was firing when the portal stopped.</summary>
    public void Restore(Alert alert, DateTimeOffset now)
    {
        Open = alert;
        BreachingSince = alert.FiredAt;
        LastSeen = now;
        LastValue = alert.Value;
    }

    /// <summary>A sample: <paramref name="value"/> null (or NaN) is a gap.</summary>
    public AlertTransition Observe(DateTimeOffset time, double? value)
    {
        LastSeen = time;
        if (value is not { } v || double.IsNaN(v))
            return AlertTransition.None;
        if (!Rule.Breaches(v))
        {
            BreachingSince = null;
            return Firing ? AlertTransition.Resolved : AlertTransition.None;
        }
        LastValue = v;
        BreachingSince ??= time;
        if (Firing || time - BreachingSince.Value < TimeSpan.FromSeconds(Rule.DurationSeconds))
            return AlertTransition.None;
        return AlertTransition.Fired;
    }

    public void MarkFired(Alert alert) => Open = alert;

    public void MarkResolved()
    {
        Open = null;
        BreachingSince = null;
    }
}
