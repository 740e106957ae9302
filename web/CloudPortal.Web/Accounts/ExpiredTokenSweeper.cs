using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;

namespace CloudPortal.Web.Accounts;

/// <summary>
/// Removes expired session tokens and API keys, at start and then hourly: every sign-in through the API adds a
/// token row, and an expired one is of no use to anybody (it is already refused on use).
/// </summary>
public sealed class ExpiredTokenSweeper(ITokenStore tokens, ILogger<ExpiredTokenSweeper> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    await tokens.DeleteExpiredAsync(Clock.Now(), ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Could not remove expired tokens; trying again in {Interval}", Interval);
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
