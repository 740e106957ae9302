using CloudPortal.Core.Machines;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.SignalR;

namespace CloudPortal.Web.Live;

/// <summary>Live pushes for clients outside the Blazor circuits (scripts, other UIs): one group per tenant.</summary>
[Authorize(AuthenticationSchemes = CookieAuthenticationDefaults.AuthenticationScheme + "," + BearerTokenHandler.SchemeName)]
public sealed class LiveHub : Hub
{
    public static string TenantGroup(Guid tenantId) => $"tenant:{tenantId}";

    public override async Task OnConnectedAsync()
    {
        var caller = Context.User!.ToCaller();
        await Groups.AddToGroupAsync(Context.ConnectionId, TenantGroup(caller.TenantId));
        await base.OnConnectedAsync();
    }
}

/// <summary>Forwards machine changes to the tenant's group as small deltas.</summary>
public sealed class LiveForwarder(MachineEvents events, IHubContext<LiveHub> hub) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        events.Changed += Forward;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        events.Changed -= Forward;
        return Task.CompletedTask;
    }

    private void Forward(MachineChange change) =>
        _ = hub.Clients.Group(LiveHub.TenantGroup(change.TenantId)).SendAsync("machineChanged",
            new { change.MachineId, State = change.State.ToContractName(), change.Removed });
}

public static class LiveExtensions
{
    public static IServiceCollection AddPortalLive(this IServiceCollection services)
    {
        services.AddSignalR();
        services.AddHostedService<LiveForwarder>();
        return services;
    }

    public static IEndpointRouteBuilder MapPortalLive(this IEndpointRouteBuilder app)
    {
        app.MapHub<LiveHub>("/hubs/live");
        return app;
    }
}
