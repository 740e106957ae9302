using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>
/// Tests that boot the real tiny guest under TCG run alone, after every parallel class: a guest booting beside the
/// real-host classes on 2 cores was seen to starve libvirtd's keepalive and drop host connections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GuestBootCollection
{
    public const string Name = "GuestBoot";
}

/// <summary>A portal with its own cpt-web-* portal pool.</summary>
public sealed class GuestBootPortal() : OwnPoolPortal("cpt-web-");

[Trait("Category", "RealHost")]
[Collection(GuestBootCollection.Name)]
public sealed class CloudInitGuestTests(GuestBootPortal portal) : IClassFixture<GuestBootPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task CreateMachine_TinyImageWithCloudInit_GuestAppliesHostnameKeysAndUserData()
    {
        var imagePath = await GuestImage.GetAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(PortalApi.UniqueName("cpw-tiny")), "name");
        form.Add(new StreamContent(File.OpenRead(imagePath)), "file", "cloudportal-tiny.qcow2");
        using var upload = await Admin.PostAsync("/api/v1/images", form);
        var imageId = (await upload.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        using var key = await Admin.PostAsJsonAsync("/api/v1/account/ssh-keys",
            new { name = PortalApi.UniqueName("k"), publicKey = Authorization.AuthorizationPortal.RandomEd25519Key() });
        var keyId = (await key.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        var hostname = "cpt-" + Guid.NewGuid().ToString("N")[..8];
        var marker = "cpt-marker-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await Admin.PostAsJsonAsync("/api/v1/machines", new
        {
            name, vcpus = 1, memoryMiB = 128, imageId, hostname,
            sshKeyIds = new[] { keyId },
            sshKeys = new[] { Authorization.AuthorizationPortal.RandomEd25519Key() },
            userData = $"#!/bin/sh\necho {marker}\n",
        });
        var machine = await created.JsonAsync(HttpStatusCode.Accepted);
        var id = machine.GetProperty("id").GetString()!;
        var seed = $"/var/lib/{portal.Pool}/seed-{machine.GetProperty("domainUuid").GetString()}.iso";
        try
        {
            var operation = await Admin.WaitOperationAsync(machine.GetProperty("operationId").GetString()!, TimeSpan.FromMinutes(3));
            Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create failed: {operation}");
            Assert.True(File.Exists(seed), "the seed ISO is in the host's pool");

            // The ready line is printed once per boot: listen first, then reset the guest so that it boots (and reads its seed) again.
            using var ticketResponse = await Admin.PostAsync($"/api/v1/machines/{id}/console", null);
            var ticket = await ticketResponse.JsonAsync(HttpStatusCode.OK);
            var token = await portal.Factory.TokenAsync("admin", portal.Factory.AdminPassword);
            var client = portal.Factory.Server.CreateWebSocketClient();
            client.SubProtocols.Add("binary");
            client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {token}";
            using var socket = await client.ConnectAsync(new Uri(ticket.GetProperty("serialWebsocketUrl").GetString()!), CancellationToken.None);
            await Admin.ActAsync(id, "reset");

            var seen = new StringBuilder();
            var buffer = new byte[4096];
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            System.Text.RegularExpressions.Match? ready = null;
            while (ready is null)
            {
                WebSocketReceiveResult result;
                try
                {
                    result = await socket.ReceiveAsync(buffer, deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"no ready line within 4 minutes; console:\n{seen}");
                    return;
                }
                Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
                seen.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                // Whole lines only: the last piece may still be arriving ("user-data=sc").
                var lines = seen.ToString().Split('\n');
                ready = lines.SkipLast(1).Select(l => GuestImage.ReadyLine.Match(l.TrimEnd('\r'))).FirstOrDefault(m => m.Success);
            }
            Assert.Equal(hostname, ready.Groups["hostname"].Value);
            Assert.Equal("2", ready.Groups["sshKeys"].Value);
            Assert.Equal("script:0", ready.Groups["userData"].Value);
            Assert.StartsWith("iid-", ready.Groups["instanceId"].Value);
            Assert.NotEqual("none", ready.Groups["seed"].Value);
            Assert.Contains(marker, seen.ToString());
        }
        finally
        {
            using (var deleting = await Admin.DeleteAsync($"/api/v1/machines/{id}"))
            {
                if (deleting.StatusCode == HttpStatusCode.Accepted)
                    await Admin.WaitOperationAsync((await deleting.JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString()!, TimeSpan.FromMinutes(2));
            }
            using (await Admin.DeleteAsync($"/api/v1/images/{imageId}")) { }
        }
        Assert.False(File.Exists(seed), "the seed goes with the machine");
    }

    [Theory]
    [InlineData("""{"hostname":"-bad-"}""", "hostname")]
    [InlineData("""{"sshKeys":["ssh-rsa not-base64!"]}""", "sshKeys")]
    [InlineData("""{"sshKeyIds":["00000000-0000-0000-0000-0000000000ab"]}""", "sshKeyIds")]
    public async Task CreateMachine_BadCloudInit_Returns400ForTheField(string extra, string field)
    {
        var image = await GuestImage.GetAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(PortalApi.UniqueName("cpw-tiny")), "name");
        form.Add(new StreamContent(File.OpenRead(image)), "file", "cloudportal-tiny.qcow2");
        using var upload = await Admin.PostAsync("/api/v1/images", form);
        var imageId = (await upload.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        try
        {
            var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra)!;
            body["name"] = JsonSerializer.SerializeToElement(PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-')));
            body["vcpus"] = JsonSerializer.SerializeToElement(1);
            body["memoryMiB"] = JsonSerializer.SerializeToElement(64);
            body["imageId"] = JsonSerializer.SerializeToElement(imageId);
            await (await Admin.PostAsJsonAsync("/api/v1/machines", body)).ValidationProblemAsync(field);
        }
        finally
        {
            using (await Admin.DeleteAsync($"/api/v1/images/{imageId}")) { }
        }
    }

    [Fact]
    public async Task CreateMachine_UserDataOverTheLimit_Returns400ForUserDataAndCreatesNothing()
    {
        var image = await GuestImage.GetAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(PortalApi.UniqueName("cpw-tiny")), "name");
        form.Add(new StreamContent(File.OpenRead(image)), "file", "cloudportal-tiny.qcow2");
        using var upload = await Admin.PostAsync("/api/v1/images", form);
        var imageId = (await upload.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        try
        {
            var userData = "#!/bin/sh\n" + new string('x', CloudPortal.Core.CloudInit.CloudInitSeedRules.MaxUserDataBytes);
            using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64, imageId, userData });
            await response.ValidationProblemAsync("userData");
            var machines = (await (await Admin.GetAsync($"/api/v1/machines?filter={name}")).JsonAsync(HttpStatusCode.OK)).GetProperty("items");
            Assert.DoesNotContain(machines.EnumerateArray(), m => m.GetProperty("name").GetString() == name);
            // Refused before anything reached the host: no seed volume in the portal's pool (the pool may not exist yet).
            var poolPath = $"/var/lib/{portal.Pool}";
            Assert.True(!Directory.Exists(poolPath) || Directory.GetFiles(poolPath, "seed-*.iso").Length == 0, "no seed volume was left");
        }
        finally
        {
            using (await Admin.DeleteAsync($"/api/v1/images/{imageId}")) { }
        }
    }

    [Fact]
    public async Task CreateMachine_CloudInitWithoutImage_Returns400ForImageId()
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name = PortalApi.UniqueName("cpw"), vcpus = 1, memoryMiB = 64, hostname = "web-1" });
        await response.ValidationProblemAsync("imageId");
    }
}
