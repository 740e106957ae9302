using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Web.Monitoring;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CloudPortal.Web.Tests;

/// <summary>The live hub's monitoring groups: a client joins only what it may see, and then gets the pushes.</summary>
public sealed class LiveHubTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private async Task<HubConnection> ConnectAsync(string username, string password)
    {
        var token = await portal.Factory.TokenAsync(username, password);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.Factory.Server.BaseAddress, "/hubs/live"), options =>
            {
                options.Transports = HttpTransportType.LongPolling;
                options.HttpMessageHandlerFactory = _ => portal.Factory.Server.CreateHandler();
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private async Task<(string Username, string Password)> UserAsync(Guid tenantId, string role)
    {
        var name = PortalApi.UniqueName("hub");
        using var created = await portal.Admin.PostAsJsonAsync("/api/v1/users", new { username = name, password = "hub-password-1", tenantId, role });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (name, "hub-password-1");
    }

    private async Task<Guid> TenantAsync()
    {
        using var created = await portal.Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("t") });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task WatchMachine_OwnMachine_AnswersHistoryNamesThenPushesSamples()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName("hub"));
        var id = machine.GetProperty("id").GetGuid();
        var (user, password) = await UserAsync(DefaultTenant.Id, Roles.Viewer);
        await using var hub = await ConnectAsync(user, password);
        var pushed = new TaskCompletionSource<MachineMetricsPush>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<MachineMetricsPush>("machineMetrics", push => { if (push.MachineId == id) pushed.TrySetResult(push); });

        var answer = await hub.InvokeAsync<WatchAnswer>("WatchMachine", id);

        Assert.Equal("cpu", answer.Metrics[0]);
        Assert.Contains(answer.Series, s => s.Name == "net.rx" && s.Unit == "bytes/s");
        var push = await pushed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - push.T, -5, 120);
        Assert.Equal(answer.Metrics.Count, push.Values!.Length);
    }

    [Fact]
    public async Task WatchMachine_AnotherTenantsMachine_IsRefusedLikeAMissingOne()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName("hub"));
        var (user, password) = await UserAsync(await TenantAsync(), Roles.TenantAdmin);
        await using var hub = await ConnectAsync(user, password);
        var pushes = 0;
        hub.On<MachineMetricsPush>("machineMetrics", _ => Interlocked.Increment(ref pushes));

        var other = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<WatchAnswer>("WatchMachine", machine.GetProperty("id").GetGuid()));
        var missing = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<WatchAnswer>("WatchMachine", Guid.NewGuid()));

        Assert.Contains("was not found", other.Message);
        Assert.Contains("was not found", missing.Message);
        // Sampling goes on every 2 s: a refused client must not hear the machine anyway.
        await Task.Delay(5000);
        Assert.Equal(0, pushes);
    }

    [Fact]
    public async Task WatchFleet_AdminGetsHostsMemberIsRefused()
    {
        var (user, password) = await UserAsync(DefaultTenant.Id, Roles.Member);
        await using var member = await ConnectAsync(user, password);
        await Assert.ThrowsAsync<HubException>(() => member.InvokeAsync<IReadOnlyList<HostMetricsPush>>("WatchFleet"));

        await using var admin = await ConnectAsync("admin", portal.Factory.AdminPassword);
        var pushed = new TaskCompletionSource<HostMetricsPush>(TaskCreationOptions.RunContinuationsAsynchronously);
        admin.On<HostMetricsPush>("hostMetrics", push => pushed.TrySetResult(push));
        await admin.InvokeAsync<IReadOnlyList<HostMetricsPush>>("WatchFleet");
        var push = await pushed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(portal.Host.GetProperty("id").GetGuid(), push.HostId);
    }
}
