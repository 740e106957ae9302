using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Monitoring;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.SignalR;

namespace CloudPortal.Web.Live;

/// <summary>
/// Live pushes for clients outside the Blazor circuits (scripts, other UIs). Every connection is in its tenant's
/// group; it joins a machine's group or the admin group only through the methods below, which check that the caller
/// may see what it asks for. SignalR drops a closed connection from all its groups.
/// </summary>
[Authorize(AuthenticationSchemes = CookieAuthenticationDefaults.AuthenticationScheme + "," + BearerTokenHandler.SchemeName)]
public sealed class LiveHub(MachineService machines, MetricSeries series) : Hub
{
    public const string AdminGroup = "admin";

    public static string TenantGroup(Guid tenantId) => $"tenant:{tenantId}";
    public static string MachineGroup(Guid machineId) => $"machine:{machineId}";

    public override async Task OnConnectedAsync()
    {
        var caller = Context.User!.ToCaller();
        await Groups.AddToGroupAsync(Context.ConnectionId, TenantGroup(caller.TenantId));
        await base.OnConnectedAsync();
    }

    /// <summary>Starts "machineMetrics" pushes for one machine and answers its last hour, so a late client has the history at once.</summary>
    public async Task<WatchAnswer> WatchMachine(Guid machineId)
    {
        Machine machine;
        try
        {
            machine = await machines.GetAsync(Context.User!.ToCaller(), machineId, Context.ConnectionAborted);
        }
        catch (NotFoundException ex)
        {
            // Another tenant's machine is refused exactly like a missing one.
            throw new HubException(ex.Message);
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, MachineGroup(machine.Id), Context.ConnectionAborted);
        var history = MetricsQuery.FromRing(MetricCatalog.Machine, series.FindMachine(machine.Id), DateTimeOffset.UtcNow - series.History);
        return new WatchAnswer(MetricCatalog.Machine.Select(m => m.Name).ToList(), MetricsDto.From(history).Series);
    }

    public Task UnwatchMachine(Guid machineId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, MachineGroup(machineId));

    /// <summary>Starts "hostMetrics" pushes for every host (administrators only) and answers their newest values.</summary>
    public async Task<IReadOnlyList<HostMetricsPush>> WatchFleet()
    {
        if (!Context.User!.ToCaller().IsAdmin)
            throw new HubException("Only cloud administrators may watch the fleet.");
        await Groups.AddToGroupAsync(Context.ConnectionId, AdminGroup, Context.ConnectionAborted);
        return series.LatestHosts().Select(h => new HostMetricsPush(h.HostId, h.Point.Time.ToUnixTimeSeconds(),
            LiveMetricsForwarder.Nullable(h.Point.Values), null)).ToList();
    }

    public Task UnwatchFleet() => Groups.RemoveFromGroupAsync(Context.ConnectionId, AdminGroup);
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
