namespace CloudPortal.Web.Audit;

/// <summary>Limits on failed sign-ins ("CloudPortal:SignInLimits" in configuration).</summary>
public sealed class SignInLimitOptions
{
    public int FailuresPerUsername { get; set; } = 5;
    public int FailuresPerAddress { get; set; } = 20;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The coarse flood guard: sign-in requests (good or bad) per client address per minute.</summary>
    public int RequestsPerAddressPerMinute { get; set; } = 30;
}
