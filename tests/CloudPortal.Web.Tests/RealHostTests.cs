using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Net;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>
/// A portal on the real local libvirtd (qemu:///system; guests run under TCG here). Sweeps leftover cpw-* domains
/// before it starts and removes every cpw-* domain when done, whatever happened in between.
/// </summary>
public sealed class RealHostPortal() : PortalFixture(Virsh.Uri)
{
    public override async Task InitializeAsync()
    {
        await Virsh.RemoveTestDomainsAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Virsh.RemoveTestDomainsAsync();
        }
    }
}

/// <summary>
/// Classes whose fixtures sweep cpw- domains run one after another: a sweep at one class's start or end must never
/// remove a guest another class is using.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealHostCollection
{
    public const string Name = "RealHost";
}

[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class RealHostTests(RealHostPortal portal) : IClassFixture<RealHostPortal>
{
    // libvirt's lifecycle event reaches the portal in well under a second on an idle box. The bound leaves room for
    // a loaded 2-core CI machine and stays under the reconciler's 10 s sweep interval.
    private static readonly TimeSpan BehindTheBack = TimeSpan.FromSeconds(8);
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task GetHosts_LocalSystemWithoutKvm_ShowsVirtualizationTcg()
    {
        var host = Assert.Single(await Admin.ListHostsAsync(), h => h.GetProperty("uri").GetString() == Virsh.Uri);
        Assert.Equal("connected", host.GetProperty("state").GetString());
        Assert.True(host.GetProperty("cpus").GetInt32() > 0, $"{host}");
        var expected = File.Exists("/dev/kvm") ? host.GetProperty("virtualization").GetString() : "tcg";
        Assert.Equal(expected, host.GetProperty("virtualization").GetString());
        Assert.Contains(host.GetProperty("virtualization").GetString(), new[] { "kvm", "tcg" });
    }

    [Fact]
    public async Task Machine_RealGuest_LibvirtAgreesWithTheApiAtEveryStep()
    {
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        Assert.StartsWith(Virsh.TestPrefix, name);
        var created = await Admin.CreateMachineAsync(name, vcpus: 1, memoryMiB: 64);
        var id = created.GetProperty("id").GetString()!;
        var uuid = created.GetProperty("domainUuid").GetString()!;

        var operation = await Admin.WaitOperationAsync(created.GetProperty("operationId").GetString()!, TimeSpan.FromSeconds(60));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create failed: {operation}");
        Assert.Equal("running", (await Admin.GetMachineAsync(id)).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));
        var (_, domainName, _) = await Virsh.RunAsync("domname", uuid);
        Assert.StartsWith(name, domainName);
        var (_, domainType, _) = await Virsh.RunAsync("dumpxml", uuid);
        Assert.Contains(File.Exists("/dev/kvm") ? "<domain type=" : "<domain type='qemu'", domainType);

        Assert.Equal("paused", (await Admin.ActAsync(id, "pause")).GetProperty("state").GetString());
        Assert.Equal("paused", await Virsh.DomStateAsync(uuid));
        Assert.Equal("running", (await Admin.ActAsync(id, "resume")).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));
        Assert.Equal("stopped", (await Admin.ActAsync(id, "poweroff")).GetProperty("state").GetString());
        Assert.Equal("shut off", await Virsh.DomStateAsync(uuid));
        Assert.Equal("running", (await Admin.ActAsync(id, "start")).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));

        // Behind the portal's back: the API follows libvirt within seconds.
        await Virsh.RequireAsync("destroy", uuid);
        await Admin.WaitMachineStateAsync(id, "stopped", BehindTheBack);
        await Virsh.RequireAsync("start", uuid);
        await Admin.WaitMachineStateAsync(id, "running", BehindTheBack);

        using var delete = await Admin.DeleteAsync($"/api/v1/machines/{id}");
        var deleting = await delete.JsonAsync(HttpStatusCode.Accepted);
        var deleted = await Admin.WaitOperationAsync(deleting.GetProperty("id").GetString()!, TimeSpan.FromSeconds(60));
        Assert.True(deleted.GetProperty("state").GetString() == "succeeded", $"delete failed: {deleted}");
        Assert.Null(await Virsh.DomStateAsync(uuid));
        Assert.DoesNotContain(await Virsh.ListAllAsync(), d => d.StartsWith(name, StringComparison.Ordinal));
        using var gone = await Admin.GetAsync($"/api/v1/machines/{id}");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Machine_DomainUndefinedBehindTheBack_ActionAnswersConflictNotServerError()
    {
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        var machine = await Admin.CreateRunningMachineAsync(name);
        var id = machine.GetProperty("id").GetString()!;
        var uuid = machine.GetProperty("domainUuid").GetString()!;

        await Virsh.RequireAsync("destroy", uuid);
        await Admin.WaitMachineStateAsync(id, "stopped", BehindTheBack);
        await Virsh.RequireAsync("undefine", uuid);
        using var start = await Admin.PostAsync($"/api/v1/machines/{id}/start", null);
        Assert.True((int)start.StatusCode is >= 400 and < 500 or 502,
            $"start of a machine whose domain is gone answered {(int)start.StatusCode}: {await start.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", start.Content.Headers.ContentType?.MediaType);

        // Deleting it still works and leaves nothing behind.
        using var delete = await Admin.DeleteAsync($"/api/v1/machines/{id}");
        var deleting = await delete.JsonAsync(HttpStatusCode.Accepted);
        var deleted = await Admin.WaitOperationAsync(deleting.GetProperty("id").GetString()!, TimeSpan.FromSeconds(60));
        Assert.Equal("succeeded", deleted.GetProperty("state").GetString());
    }

    // Console (issue 8, item 6): tickets through the API, the RFB proxy through a real WebSocket on the test server.

    private async Task<(string Id, string Token)> RunningMachineAndAdminTokenAsync()
    {
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        var machine = await Admin.CreateRunningMachineAsync(name);
        return (machine.GetProperty("id").GetString()!, await portal.Factory.TokenAsync("admin", portal.Factory.AdminPassword));
    }

    private async Task<JsonElement> ConsoleTicketAsync(HttpClient client, string machineId)
    {
        using var response = await client.PostAsync($"/api/v1/machines/{machineId}/console", null);
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    private async Task<WebSocket> ConnectAsync(string websocketUrl, string? bearer)
    {
        var client = portal.Factory.Server.CreateWebSocketClient();
        client.SubProtocols.Add("binary");
        client.ConfigureRequest = request =>
        {
            if (bearer is not null)
                request.Headers.Authorization = $"Bearer {bearer}";
        };
        return await client.ConnectAsync(new Uri(websocketUrl), CancellationToken.None);
    }

    private static async Task<(WebSocketReceiveResult Result, string Text)> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return (result, System.Text.Encoding.ASCII.GetString(buffer, 0, result.Count));
    }

    [Fact]
    public async Task Console_TicketFromApi_ProxiesTheGuestsRfbGreetingOnceThenRefusesReuse()
    {
        var (id, token) = await RunningMachineAndAdminTokenAsync();
        var ticket = await ConsoleTicketAsync(Admin, id);
        var url = ticket.GetProperty("websocketUrl").GetString()!;
        Assert.StartsWith("ws://", url);
        Assert.Contains($"/console/{id}?ticket=", ticket.GetProperty("url").GetString());
        Assert.True(ticket.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        using (var socket = await ConnectAsync(url, token))
        {
            var (_, greeting) = await ReceiveAsync(socket);
            Assert.Equal("RFB 003.008\n", greeting);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        using var again = await ConnectAsync(url, token);
        var (refused, _) = await ReceiveAsync(again);
        Assert.Equal(WebSocketMessageType.Close, refused.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, refused.CloseStatus);
        Assert.Contains("already used", refused.CloseStatusDescription);
    }

    [Fact]
    public async Task Console_TicketOfAnotherUser_RefusedAsNotIssuedToYouAndStillUsableByItsOwner()
    {
        var (id, token) = await RunningMachineAndAdminTokenAsync();
        var url = (await ConsoleTicketAsync(Admin, id)).GetProperty("websocketUrl").GetString()!;
        var username = PortalApi.UniqueName("cpw-user");
        using (var created = await Admin.PostJsonAsync("/api/v1/users", System.Text.Json.JsonSerializer.Serialize(new
               { username, password = "console-test-password", tenantId = DefaultTenantId, role = "member" })))
            await created.JsonAsync(HttpStatusCode.Created);
        var memberToken = await portal.Factory.TokenAsync(username, "console-test-password");

        using (var foreign = await ConnectAsync(url, memberToken))
        {
            var (refused, _) = await ReceiveAsync(foreign);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, refused.CloseStatus);
            Assert.Contains("not issued to you", refused.CloseStatusDescription);
        }

        using var owner = await ConnectAsync(url, token);
        Assert.Equal("RFB 003.008\n", (await ReceiveAsync(owner)).Text);
    }

    [Fact]
    public async Task Console_NoCredentials_401BeforeTheUpgrade()
    {
        var (id, _) = await RunningMachineAndAdminTokenAsync();
        var url = (await ConsoleTicketAsync(Admin, id)).GetProperty("websocketUrl").GetString()!;
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(url, bearer: null));
        Assert.Contains("401", ex.Message);
    }

    [Fact]
    public async Task Console_StoppedMachine_409NamingTheState()
    {
        var (id, _) = await RunningMachineAndAdminTokenAsync();
        await Admin.ActAsync(id, "poweroff");
        await Admin.WaitMachineStateAsync(id, "stopped", TimeSpan.FromSeconds(60));
        using var response = await Admin.PostAsync($"/api/v1/machines/{id}/console", null);
        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("stopped", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Console_GuestPoweredOffDuringSession_ClosedWithAReason()
    {
        var (id, token) = await RunningMachineAndAdminTokenAsync();
        var url = (await ConsoleTicketAsync(Admin, id)).GetProperty("websocketUrl").GetString()!;
        using var socket = await ConnectAsync(url, token);
        Assert.Equal("RFB 003.008\n", (await ReceiveAsync(socket)).Text);

        await Admin.ActAsync(id, "poweroff");
        var (closed, _) = await ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Close, closed.MessageType);
        Assert.Contains("closed", closed.CloseStatusDescription);
    }

    [Fact]
    public async Task Console_BehindAProxyUnderAPrefixOverTls_UrlsUseThePrefixAndWss()
    {
        var (id, _) = await RunningMachineAndAdminTokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/machines/{id}/console");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Prefix", "/cloud");
        using var response = await Admin.SendAsync(request);
        var ticket = await response.JsonAsync(HttpStatusCode.OK);
        Assert.StartsWith("wss://", ticket.GetProperty("websocketUrl").GetString());
        Assert.Contains($"/cloud/console/{id}/vnc?ticket=", ticket.GetProperty("websocketUrl").GetString());
        Assert.StartsWith("https://", ticket.GetProperty("url").GetString());
        Assert.Contains($"/cloud/console/{id}?ticket=", ticket.GetProperty("url").GetString());
    }

    private static readonly Guid DefaultTenantId = Guid.Parse("00000000-0000-0000-0000-000000000001");

    [Fact]
    public async Task SerialConsole_RunningGuest_StaysOpenForInputThenClosesWithAReasonWhenTheGuestStops()
    {
        var (id, token) = await RunningMachineAndAdminTokenAsync();
        var ticket = await ConsoleTicketAsync(Admin, id);
        using var socket = await ConnectAsync(ticket.GetProperty("serialWebsocketUrl").GetString()!, token);
        await socket.SendAsync("\r"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(WebSocketState.Open, socket.State);

        await Admin.ActAsync(id, "poweroff");
        var (closed, _) = await ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Close, closed.MessageType);
        Assert.Contains("text console", closed.CloseStatusDescription);
    }
}
