using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudPortal.Web.Tests.Alerts;

/// <summary>
/// A portal on the test driver whose webhooks retry quickly, so that a failing receiver is seen in seconds, and
/// whose administrator allows webhooks to 127.0.0.0/8, where the tests' receivers listen (the default refuses it).
/// </summary>
public sealed class AlertPortal : PortalFixture
{
    public AlertPortal() : base(PortalFactory.TestUri) =>
        Factory.ExtraConfiguration = builder => builder
            .UseSetting("CloudPortal:Alerts:WebhookRetryDelay", "00:00:00.100")
            .UseSetting(WebhookAddressPolicy.AllowedNetworksKey, "127.0.0.0/8");
}

/// <summary>Alert rules, alerts and webhooks through the API, evaluated on samples of the real collector.</summary>
public sealed class AlertApiTests(AlertPortal portal) : IClassFixture<AlertPortal>
{
    private string HostId => portal.Host.GetProperty("id").GetString()!;

    private async Task<(HttpClient Client, Guid TenantId)> TenantUserAsync(string role)
    {
        using var tenant = await portal.Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("alerts") });
        var tenantId = (await tenant.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var name = PortalApi.UniqueName("alerts");
        using var user = await portal.Admin.PostAsJsonAsync("/api/v1/users", new { username = name, password = "alert-password-1", tenantId, role });
        Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        return (await portal.Factory.ClientForAsync(name, "alert-password-1"), tenantId);
    }

    private static async Task<JsonElement> CreateRuleAsync(HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/api/v1/alert-rules", body)).JsonAsync(HttpStatusCode.Created);

    private static async Task<JsonElement> WaitAlertAsync(HttpClient client, string ruleId, string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var page = await (await client.GetAsync($"/api/v1/alerts?state={state}&limit=500")).JsonAsync(HttpStatusCode.OK);
            foreach (var alert in page.GetProperty("items").EnumerateArray())
            {
                if (alert.GetProperty("ruleId").GetString() == ruleId)
                    return alert;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no {state} alert of rule {ruleId} within {timeout}");
            await Task.Delay(500);
        }
    }

    /// <summary>One host sample as the collector publishes it, with this CPU for the machine and nothing else measured.</summary>
    private void PublishSample(Guid machineId, Guid tenantId, float cpu)
    {
        var machine = Enumerable.Repeat(float.NaN, MetricCatalog.M.Count).ToArray();
        machine[MetricCatalog.M.Cpu] = cpu;
        var host = Enumerable.Repeat(float.NaN, MetricCatalog.H.Count).ToArray();
        portal.Factory.Services.GetRequiredService<MetricSeries>().Publish(
            new HostSample(Guid.Parse(HostId), Clock.Now(), host, [new MachineSample(machineId, tenantId, machine)], null), NullLogger.Instance);
    }

    [Fact]
    public async Task CreateRule_BadInput_Returns400WithEveryField()
    {
        using var response = await portal.Admin.PostAsJsonAsync("/api/v1/alert-rules",
            new { name = "", scope = "machine", metric = "temperature", comparison = "=", threshold = 1, durationSeconds = -5 });
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["comparison", "durationSeconds", "metric", "name", "targetId"], fields);
    }

    [Fact]
    public async Task CreateRule_OtherTenantsMachine_Returns404AndRuleIsInvisibleAcrossTenants()
    {
        var machine = await portal.Admin.CreateMachineAsync(PortalApi.UniqueName("alm"));
        var (other, _) = await TenantUserAsync(Roles.TenantAdmin);
        using (other)
        {
            using var refused = await other.PostAsJsonAsync("/api/v1/alert-rules",
                new { name = "spy", scope = "machine", targetId = machine.GetProperty("id").GetString(), metric = "cpu", threshold = 90 });
            await refused.ProblemAsync(HttpStatusCode.NotFound);

            var rule = await CreateRuleAsync(portal.Admin, new { name = PortalApi.UniqueName("r"), scope = "tenant", metric = "cpu", threshold = 80 });
            var id = rule.GetProperty("id").GetString();
            await (await other.GetAsync($"/api/v1/alert-rules/{id}")).ProblemAsync(HttpStatusCode.NotFound);
            await (await other.DeleteAsync($"/api/v1/alert-rules/{id}")).ProblemAsync(HttpStatusCode.NotFound);
            var list = await (await other.GetAsync("/api/v1/alert-rules")).JsonAsync(HttpStatusCode.OK);
            Assert.Empty(list.GetProperty("items").EnumerateArray());
        }
    }

    [Theory]
    [InlineData(Roles.TenantAdmin, "host", HttpStatusCode.Forbidden)]
    [InlineData(Roles.Viewer, "tenant", HttpStatusCode.Forbidden)]
    public async Task CreateRule_RoleMayNot_Returns403(string role, string scope, HttpStatusCode expected)
    {
        var (client, _) = await TenantUserAsync(role);
        using (client)
        {
            using var response = await client.PostAsJsonAsync("/api/v1/alert-rules",
                new { name = "r", scope, metric = scope == "host" ? "unreachable" : "cpu", threshold = 90 });
            await response.ProblemAsync(expected);
        }
    }

    [Fact]
    public async Task CreateRule_DuplicateName_Returns409()
    {
        var name = PortalApi.UniqueName("dup");
        await CreateRuleAsync(portal.Admin, new { name, scope = "tenant", metric = "cpu", threshold = 80 });
        using var again = await portal.Admin.PostAsJsonAsync("/api/v1/alert-rules", new { name, scope = "tenant", metric = "net.rx", threshold = 1000 });
        await again.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task HostRule_RealSamples_FiresThenResolvesWhenTheThresholdIsRaised()
    {
        // The test driver always runs its domain "test", so the collector sees at least one running machine.
        var rule = await CreateRuleAsync(portal.Admin, new
        {
            name = PortalApi.UniqueName("host"), scope = "host", targetId = HostId, metric = "machines.running", comparison = ">", threshold = 0, durationSeconds = 0,
        });
        var id = rule.GetProperty("id").GetString()!;

        var firing = await WaitAlertAsync(portal.Admin, id, "firing", TimeSpan.FromSeconds(60));
        Assert.Equal("host", firing.GetProperty("subjectKind").GetString());
        Assert.Equal(HostId, firing.GetProperty("subjectId").GetString());
        Assert.True(firing.GetProperty("value").GetDouble() >= 1);
        Assert.Equal(JsonValueKind.Null, firing.GetProperty("tenantId").ValueKind);

        using var raised = await portal.Admin.PatchAsJsonAsync($"/api/v1/alert-rules/{id}", new { threshold = 1_000_000 });
        Assert.Equal("machines.running > 1000000", (await raised.JsonAsync(HttpStatusCode.OK)).GetProperty("condition").GetString());
        var resolved = await WaitAlertAsync(portal.Admin, id, "resolved", TimeSpan.FromSeconds(60));
        Assert.Equal(firing.GetProperty("id").GetString(), resolved.GetProperty("id").GetString());
        Assert.NotEqual(JsonValueKind.Null, resolved.GetProperty("resolvedAt").ValueKind);
    }

    [Fact]
    public async Task TenantRule_SampleOverThreshold_FiresAndResolvesThroughTheSignedWebhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (client, tenantId) = await TenantUserAsync(Roles.TenantAdmin);
        using (client)
        {
            const string secret = "s3cret-for-hmac";
            using var set = await client.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/alert-webhook", new { url = receiver.Url, secret });
            var webhook = await set.JsonAsync(HttpStatusCode.OK);
            Assert.True(webhook.GetProperty("signed").GetBoolean());
            Assert.DoesNotContain(secret, webhook.GetRawText());

            var machine = await client.CreateMachineAsync(PortalApi.UniqueName("alm"));
            var machineId = machine.GetProperty("id").GetGuid();
            var rule = await CreateRuleAsync(client, new { name = "cpu-hot", scope = "tenant", metric = "cpu", comparison = ">", threshold = 90, durationSeconds = 0 });
            var ruleId = rule.GetProperty("id").GetString()!;

            // The engine reloads its rules on the next sample; keep publishing until the alert is there.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            JsonElement? firing = null;
            while (firing is null)
            {
                PublishSample(machineId, tenantId, 97.5f);
                await Task.Delay(300);
                var page = await (await client.GetAsync("/api/v1/alerts?state=firing")).JsonAsync(HttpStatusCode.OK);
                firing = page.GetProperty("items").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(a => a!.Value.GetProperty("ruleId").GetString() == ruleId);
                Assert.True(DateTime.UtcNow < deadline, "the tenant rule did not fire");
            }
            Assert.Equal(97.5, firing.Value.GetProperty("value").GetDouble(), 3);
            Assert.Equal(machine.GetProperty("name").GetString(), firing.Value.GetProperty("subjectName").GetString());

            var fired = await receiver.NextAsync("alert.fired", TimeSpan.FromSeconds(30));
            Assert.Equal(AlertWebhookSender.Sign(secret, fired.Body), fired.Signature);
            using (var json = JsonDocument.Parse(fired.Body))
            {
                Assert.Equal("alert.fired", json.RootElement.GetProperty("event").GetString());
                Assert.Equal(ruleId, json.RootElement.GetProperty("alert").GetProperty("ruleId").GetString());
            }

            PublishSample(machineId, tenantId, 3f);
            var resolved = await receiver.NextAsync("alert.resolved", TimeSpan.FromSeconds(30));
            Assert.Equal(AlertWebhookSender.Sign(secret, resolved.Body), resolved.Signature);
            await WaitAlertAsync(client, ruleId, "resolved", TimeSpan.FromSeconds(10));

            var status = await (await client.GetAsync($"/api/v1/tenants/{tenantId}/alert-webhook")).JsonAsync(HttpStatusCode.OK);
            Assert.StartsWith("delivered (204", status.GetProperty("lastStatus").GetString());
        }
    }

    [Fact]
    public async Task MemoryPercentRule_SampleNearlyFull_FiresWithThePercentAndRefusesOver100()
    {
        var (client, tenantId) = await TenantUserAsync(Roles.Member);
        using (client)
        {
            using var bad = await client.PostAsJsonAsync("/api/v1/alert-rules",
                new { name = "mem-bad", scope = "tenant", metric = "memory.percent", comparison = ">", threshold = 150, durationSeconds = 0 });
            var problem = await bad.ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("threshold", out _));

            var machine = await client.CreateMachineAsync(PortalApi.UniqueName("alm"));
            var machineId = machine.GetProperty("id").GetGuid();
            var rule = await CreateRuleAsync(client, new { name = "mem-full", scope = "tenant", metric = "memory.percent", comparison = ">", threshold = 90, durationSeconds = 0 });
            var ruleId = rule.GetProperty("id").GetString()!;

            var values = Enumerable.Repeat(float.NaN, MetricCatalog.M.Count).ToArray();
            values[MetricCatalog.M.MemoryUsed] = 480;
            values[MetricCatalog.M.MemoryAllocated] = 512;
            var host = Enumerable.Repeat(float.NaN, MetricCatalog.H.Count).ToArray();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            JsonElement? firing = null;
            while (firing is null)
            {
                portal.Factory.Services.GetRequiredService<MetricSeries>().Publish(
                    new HostSample(Guid.Parse(HostId), Clock.Now(), host, [new MachineSample(machineId, tenantId, values)], null), NullLogger.Instance);
                await Task.Delay(300);
                var page = await (await client.GetAsync("/api/v1/alerts?state=firing")).JsonAsync(HttpStatusCode.OK);
                firing = page.GetProperty("items").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(a => a!.Value.GetProperty("ruleId").GetString() == ruleId);
                Assert.True(DateTime.UtcNow < deadline, "the memory.percent rule did not fire");
            }
            Assert.Equal(93.75, firing.Value.GetProperty("value").GetDouble(), 2);

            using var delete = await client.DeleteAsync($"/api/v1/alert-rules/{ruleId}");
            Assert.True(delete.IsSuccessStatusCode);
        }
    }

    [Fact]
    public async Task TestWebhook_ReceiverFails_RetriesAndReportsTheFailure()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 503;
        var (client, tenantId) = await TenantUserAsync(Roles.TenantAdmin);
        using (client)
        {
            using var set = await client.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/alert-webhook", new { url = receiver.Url });
            Assert.False((await set.JsonAsync(HttpStatusCode.OK)).GetProperty("signed").GetBoolean());

            using var tested = await client.PostAsync($"/api/v1/tenants/{tenantId}/alert-webhook/test", null);
            var status = (await tested.JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString();

            Assert.Equal("failed: 503 Service Unavailable after 3 attempts", status);
            Assert.Equal(3, receiver.Requests);
            var delivery = await receiver.NextAsync("alert.test", TimeSpan.FromSeconds(5));
            Assert.Null(delivery.Signature);
        }
    }

    [Theory]
    [InlineData("ftp://example.test/hook")]
    [InlineData("/relative")]
    [InlineData("http://user:pw@127.0.0.1/hook")]
    public async Task SetWebhook_BadUrl_Returns400ForUrl(string url)
    {
        using var response = await portal.Admin.PutAsJsonAsync($"/api/v1/tenants/{DefaultTenant.Id}/alert-webhook", new { url });
        await response.ValidationProblemAsync("url");
    }

    [Fact]
    public async Task Webhook_MemberOfTheTenant_Returns403AndNoneSetTestReturns409()
    {
        var (member, tenantId) = await TenantUserAsync(Roles.Member);
        using (member)
            await (await member.GetAsync($"/api/v1/tenants/{tenantId}/alert-webhook")).ProblemAsync(HttpStatusCode.Forbidden);

        var empty = await (await portal.Admin.GetAsync($"/api/v1/tenants/{tenantId}/alert-webhook")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("url").ValueKind);
        await (await portal.Admin.PostAsync($"/api/v1/tenants/{tenantId}/alert-webhook/test", null)).ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task ListAlerts_BadState_Returns400ForState()
    {
        await (await portal.Admin.GetAsync("/api/v1/alerts?state=burning")).ValidationProblemAsync("state");
    }
}
