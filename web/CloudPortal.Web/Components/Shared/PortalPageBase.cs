using CloudPortal.Core.Common;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace CloudPortal.Web.Components.Shared;

/// <summary>
/// What the portal's pages share: the snackbar and dialogs, the signed-in caller, a token cancelled when the page
/// closes, and <see cref="RunAsync"/> for a change that marks the page busy, shows a refusal in the snackbar and reads
/// the page again afterwards.
/// </summary>
public abstract class PortalPageBase : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _closing = new();

    protected PortalPageBase() => Closing = _closing.Token;

    [Inject] protected ISnackbar Snackbar { get; set; } = default!;
    [Inject] protected IDialogService Dialogs { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Cancelled when the page closes; kept apart from its source so a late callback can still ask it.</summary>
    protected CancellationToken Closing { get; }

    /// <summary>Who is signed in; set by <see cref="ResolveCallerAsync"/>, which a page calls first when it initialises.</summary>
    protected Caller Caller { get; private set; } = default!;

    /// <summary>True while <see cref="RunAsync"/> runs a change: the page disables its actions meanwhile.</summary>
    protected bool Busy { get; set; }

    protected async Task<Caller> ResolveCallerAsync() => Caller = (await AuthenticationState).User.ToCaller();

    /// <summary>Runs a change the user asked for; a refusal (conflict, quota, host failure...) shows in the snackbar, then the page reads its data again.</summary>
    protected async Task RunAsync(Func<Task> change)
    {
        Busy = true;
        try
        {
            await change();
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        finally
        {
            Busy = false;
        }
        await ReloadAfterChangeAsync();
    }

    /// <summary>What <see cref="RunAsync"/> reads again after a change (the table, the machine...).</summary>
    protected virtual Task ReloadAfterChangeAsync() => Task.CompletedTask;

    /// <summary>Unsubscribes and waits for the page's own background work; <see cref="Closing"/> is already cancelled.</summary>
    protected virtual ValueTask OnClosedAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        await OnClosedAsync();
        _closing.Dispose();
        GC.SuppressFinalize(this);
    }
}
