using System.Net;
using System.Net.Http.Json;
using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudPortal.Web.Tests.Alerts;

/// <summary>
/// Webhooks may not reach the portal's own inside addresses (SSRF): refused when saved and again when connecting.
/// <see cref="TestDriverPortal"/> has the default policy; <see cref="AlertPortal"/> allows 127.0.0.0/8.
/// </summary>
public sealed class WebhookDestinationTests(TestDriverPortal guarded, AlertPortal allowing) : IClassFixture<TestDriverPortal>, IClassFixture<AlertPortal>
{
    private static async Task<Guid> NewTenantAsync(PortalFixture portal)
    {
        using var tenant = await portal.Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("hook") });
        return (await tenant.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// A webhook stored as if its name had resolved to a public address when it was saved and points inside now
    /// (DNS rebinding): only the check at connection time stands between it and the receiver.
    /// </summary>
    private static async Task StoreWebhookAsync(PortalFixture portal, Guid tenantId, string url) =>
        await portal.Factory.Services.GetRequiredService<IAlertStore>().UpsertWebhookAsync(new AlertWebhook { TenantId = tenantId, Url = url }, CancellationToken.None);

    private static string LocalhostUrl(WebhookReceiver receiver) => new UriBuilder(receiver.Url) { Host = "localhost" }.Uri.ToString();

    [Theory]
    [InlineData("http://127.0.0.1:5080/hook", "127.0.0.1 is a loopback address")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address")]
    [InlineData("http://[::1]:5080/hook", "::1 is a loopback address")]
    [InlineData("http://10.1.2.3/hook", "10.1.2.3 is a private address")]
    [InlineData("http://[::ffff:127.0.0.1]/hook", "IPv4-mapped form of 127.0.0.1")]
    // Which of 127.0.0.1 and ::1 comes first depends on the machine's /etc/hosts.
    [InlineData("http://localhost:5080/hook", "localhost resolves to an address that is not allowed for webhooks: ")]
    public async Task SetWebhook_InsideDestination_Returns400ForUrlNamingTheAddress(string url, string expected)
    {
        var tenantId = await NewTenantAsync(guarded);
        using var response = await guarded.Admin.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/alert-webhook", new { url });

        var problem = await response.ValidationProblemAsync("url");
        var message = problem.GetProperty("errors").GetProperty("url")[0].GetString();
        Assert.Contains(expected, message);
        Assert.Contains("CloudPortal:Alerts:WebhookAllowedNetworks", message);
        var stored = await (await guarded.Admin.GetAsync($"/api/v1/tenants/{tenantId}/alert-webhook")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stored.GetProperty("url").ValueKind);
    }

    [Fact]
    public async Task TestWebhook_NameResolvesToLoopbackWithoutAllowList_RefusedAtConnectAndRecorded()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenantId = await NewTenantAsync(guarded);
        await StoreWebhookAsync(guarded, tenantId, LocalhostUrl(receiver));

        using var tested = await guarded.Admin.PostAsync($"/api/v1/tenants/{tenantId}/alert-webhook/test", null);
        var status = (await tested.JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString()!;

        Assert.StartsWith("refused: the webhook host localhost has no address the portal may connect to", status);
        Assert.Contains("is a loopback address", status);
        Assert.DoesNotContain("attempts", status);
        var webhook = await (await guarded.Admin.GetAsync($"/api/v1/tenants/{tenantId}/alert-webhook")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(status, webhook.GetProperty("lastStatus").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, webhook.GetProperty("lastAttemptAt").ValueKind);
        Assert.Equal(0, receiver.Requests);
    }

    [Fact]
    public async Task FiredAlert_WebhookNameResolvesToLoopbackWithoutAllowList_RecordsTheRefusalAndSendsNothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenantId = await NewTenantAsync(guarded);
        var username = PortalApi.UniqueName("hook");
        using (var user = await guarded.Admin.PostAsJsonAsync("/api/v1/users", new { username, password = "hook-password-1", tenantId, role = Roles.TenantAdmin }))
            Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        using var client = await guarded.Factory.ClientForAsync(username, "hook-password-1");
        await StoreWebhookAsync(guarded, tenantId, LocalhostUrl(receiver));
        var machineId = (await client.CreateMachineAsync(PortalApi.UniqueName("hookm"))).GetProperty("id").GetGuid();
        using (var rule = await client.PostAsJsonAsync("/api/v1/alert-rules",
            new { name = "cpu-hot", scope = "tenant", metric = "cpu", comparison = ">", threshold = 90, durationSeconds = 0 }))
            await rule.JsonAsync(HttpStatusCode.Created);

        // The engine reloads its rules on the next sample; keep publishing until the sender has recorded its attempt.
        var hostId = guarded.Host.GetProperty("id").GetGuid();
        var machine = Enumerable.Repeat(float.NaN, MetricCatalog.M.Count).ToArray();
        machine[MetricCatalog.M.Cpu] = 99f;
        var host = Enumerable.Repeat(float.NaN, MetricCatalog.H.Count).ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? status = null;
        while (status is null)
        {
            guarded.Factory.Services.GetRequiredService<MetricSeries>().Publish(
                new HostSample(hostId, Clock.Now(), host, [new MachineSample(machineId, tenantId, machine)], null), NullLogger.Instance);
            await Task.Delay(300);
            var webhook = await (await client.GetAsync($"/api/v1/tenants/{tenantId}/alert-webhook")).JsonAsync(HttpStatusCode.OK);
            status = webhook.GetProperty("lastStatus").GetString();
            Assert.True(status is not null || DateTime.UtcNow < deadline, "no delivery of the fired alert was recorded");
        }

        Assert.StartsWith("refused: the webhook host localhost has no address the portal may connect to", status);
        Assert.Equal(0, receiver.Requests);
    }

    [Fact]
    public async Task TestWebhook_NameResolvesToLoopbackWithLoopbackAllowed_IsDelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenantId = await NewTenantAsync(allowing);
        await StoreWebhookAsync(allowing, tenantId, LocalhostUrl(receiver));

        using var tested = await allowing.Admin.PostAsync($"/api/v1/tenants/{tenantId}/alert-webhook/test", null);
        var status = (await tested.JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString();

        Assert.Equal("delivered (204 No Content) after 1 attempt", status);
        var delivery = await receiver.NextAsync("alert.test", TimeSpan.FromSeconds(10));
        Assert.NotEmpty(delivery.Body);
        Assert.Equal(1, receiver.Requests);
    }

    [Fact]
    public async Task SetWebhook_LoopbackAllowListed_IsSavedButOtherInsideAddressesStillRefused()
    {
        var tenantId = await NewTenantAsync(allowing);
        using var saved = await allowing.Admin.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/alert-webhook", new { url = "http://127.0.0.2:9/hook" });
        Assert.Equal("http://127.0.0.2:9/hook", (await saved.JsonAsync(HttpStatusCode.OK)).GetProperty("url").GetString());

        using var metadata = await allowing.Admin.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/alert-webhook", new { url = "http://169.254.169.254/" });
        await metadata.ValidationProblemAsync("url");
    }

    [Theory]
    [InlineData(WebhookAddressPolicy.AllowedNetworksKey, "127.0.0.0/8, intranet")]
    [InlineData(WebhookAddressPolicy.AllowedNetworksVariable, "10.0.0.1/8")]
    public async Task Start_BadAllowedNetwork_StopsThePortalNamingTheEntry(string key, string value)
    {
        await using var factory = new PortalFactory(PortalFactory.TestUri) { ExtraConfiguration = builder => builder.UseSetting(key, value) };

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var format = ex as FormatException ?? ex.InnerException as FormatException ?? (ex as AggregateException)?.InnerExceptions.OfType<FormatException>().FirstOrDefault();
        Assert.True(format is not null, $"the start failed otherwise: {ex}");
        Assert.Contains($"'{value.Split(',').Last().Trim()}'", format.Message);
        Assert.Contains(WebhookAddressPolicy.AllowedNetworksKey, format.Message);
    }
}
