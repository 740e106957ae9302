using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests;

public sealed class AuditApiTests(AuditPortalFactory portal) : IClassFixture<AuditPortalFactory>
{
    private static async Task<JsonElement[]> ItemsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task Tokens_WrongPassword_AuditedAsFailedWithAttemptedUsernameAndAddress()
    {
        var client = portal.ClientFrom("198.51.100.10");
        var response = await client.PostAsJsonAsync("/api/v1/tokens", new { username = "mallory", password = "guess" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var admin = await portal.SignedInAsync("admin", AuditPortalFactory.AdminPassword, "198.51.100.200");
        var items = await ItemsAsync(await admin.GetAsync("/api/v1/audit?action=signin&user=mallory"));

        var entry = Assert.Single(items);
        Assert.Equal("failed", entry.GetProperty("result").GetString());
        Assert.Equal("198.51.100.10", entry.GetProperty("address").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("tenantId").ValueKind);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("userId").ValueKind);
    }

    [Fact]
    public async Task Tokens_SixthFailureForUsername_Is429WithRetryAfterAndAuditedDenied()
    {
        // Each attempt from another address: the per-username limit is what trips, not the per-address one.
        for (var i = 0; i < 5; i++)
        {
            var attempt = await portal.ClientFrom($"203.0.113.{i + 1}").PostAsJsonAsync("/api/v1/tokens", new { username = "victim", password = $"wrong{i}" });
            Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
        }

        var sixth = await portal.ClientFrom("203.0.113.99").PostAsJsonAsync("/api/v1/tokens", new { username = "VICTIM", password = "wrong5" });

        Assert.Equal((HttpStatusCode)429, sixth.StatusCode);
        Assert.Equal("application/problem+json", sixth.Content.Headers.ContentType?.MediaType);
        Assert.True(sixth.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        Assert.Contains("Too many failed sign-ins", (await sixth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var admin = await portal.SignedInAsync("admin", AuditPortalFactory.AdminPassword, "203.0.113.200");
        var denied = Assert.Single(await ItemsAsync(await admin.GetAsync("/api/v1/audit?action=signin&result=denied&user=victim")));
        Assert.Equal("203.0.113.99", denied.GetProperty("address").GetString());
        Assert.Equal(5, (await ItemsAsync(await admin.GetAsync("/api/v1/audit?action=signin&result=failed&user=victim"))).Length);
    }

    [Fact]
    public async Task LoginForm_LockedUsername_RedirectsWithMinutesMessage()
    {
        var store = portal.Services.GetRequiredService<IAuditLog>();
        for (var i = 0; i < 5; i++)
            await store.RecordAsync(new AuditEntry
            {
                Username = "formvictim", Address = "198.18.0.1", Action = AuditActions.SignIn, TargetType = "user", Result = AuditResults.Failed,
            }, CancellationToken.None);

        var client = portal.ClientFrom("198.18.0.2");
        var login = await client.GetAsync("/login");
        var html = await login.Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var cookies = login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]);
        var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Username"] = "formvictim", ["Password"] = "x", ["ReturnUrl"] = "/", ["__RequestVerificationToken"] = token,
            }),
        };
        request.Headers.Add("Cookie", string.Join("; ", cookies));
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/login?locked=", location);
        var page = await (await client.GetAsync(location)).Content.ReadAsStringAsync();
        Assert.Matches("Too many failed sign-ins; try again in 1[0-5] minutes.", page);
    }

    [Fact]
    public async Task Audit_TenantAdmin_SeesOnlyOwnTenant_MemberIs403()
    {
        var otherTenant = Guid.NewGuid();
        var log = portal.Services.GetRequiredService<IAuditLog>();
        await log.RecordAsync(new Caller(Guid.NewGuid(), "scoped-own", DefaultTenant.Id, Roles.Member, "10.9.0.1"),
            "machine.pause", "machine", "1", "own-vm", AuditResults.Succeeded, null, CancellationToken.None);
        await log.RecordAsync(new Caller(Guid.NewGuid(), "scoped-other", otherTenant, Roles.Member, "10.9.0.2"),
            "machine.pause", "machine", "2", "other-vm", AuditResults.Succeeded, null, CancellationToken.None);
        await portal.CreateUserAsync("ta-default", "ta-password-1", Roles.TenantAdmin, DefaultTenant.Id);
        await portal.CreateUserAsync("member-default", "member-password-1", Roles.Member, DefaultTenant.Id);

        var tenantAdmin = await portal.SignedInAsync("ta-default", "ta-password-1", "10.9.0.10");
        var seen = (await ItemsAsync(await tenantAdmin.GetAsync("/api/v1/audit?action=machine.pause&limit=500")))
            .Select(e => e.GetProperty("targetName").GetString()!).ToArray();
        Assert.Equal(["own-vm"], seen);
        // Asking for the other tenant explicitly changes nothing.
        Assert.Empty(await ItemsAsync(await tenantAdmin.GetAsync($"/api/v1/audit?tenant={otherTenant}&user=scoped-other")));
        // Failed sign-ins have no tenant: a tenant-admin does not see them.
        Assert.DoesNotContain(await ItemsAsync(await tenantAdmin.GetAsync("/api/v1/audit?action=signin&result=failed")), _ => true);

        var admin = await portal.SignedInAsync("admin", AuditPortalFactory.AdminPassword, "10.9.0.11");
        Assert.Equal(2, (await ItemsAsync(await admin.GetAsync("/api/v1/audit?action=machine.pause&q=-vm"))).Length);

        var member = await portal.SignedInAsync("member-default", "member-password-1", "10.9.0.12");
        var forbidden = await member.GetAsync("/api/v1/audit");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/audit?format=csv")).StatusCode);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=01/02/2025", "to")]
    [InlineData("from=2025-02-01&to=2025-01-01", "from")]
    [InlineData("result=maybe", "result")]
    public async Task Audit_BadFilter_Is400WithFieldMap(string query, string field)
    {
        var admin = await portal.SignedInAsync("admin", AuditPortalFactory.AdminPassword, "10.8.0.1");
        var response = await admin.GetAsync("/api/v1/audit?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
    }

    [Fact]
    public async Task AuditCsv_HostileCells_QuotedAndNeutralised()
    {
        var log = portal.Services.GetRequiredService<IAuditLog>();
        await log.RecordAsync(new Caller(Guid.NewGuid(), "=cmd|' /C calc'!A0", DefaultTenant.Id, Roles.Member, "10.7.0.1"),
            "machine.create", "machine", null, "a,\"b\"\nc", AuditResults.Failed, "@SUM(1+1)", CancellationToken.None);

        var admin = await portal.SignedInAsync("admin", AuditPortalFactory.AdminPassword, "10.7.0.2");
        var response = await admin.GetAsync("/api/v1/audit?format=csv&q=calc");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n");
        Assert.Equal(string.Join(',', CloudPortal.Web.Audit.AuditCsv.Header), lines[0]);
        Assert.Contains(",'=cmd|' /C calc'!A0,", csv);
        Assert.Contains(",\"a,\"\"b\"\"\nc\",", csv);
        Assert.EndsWith(",failed,'@SUM(1+1)\r\n", csv);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@x", "'@x")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    [InlineData("=a,b", "\"'=a,b\"")]
    [InlineData("line\r\nbreak", "\"line\r\nbreak\"")]
    [InlineData(null, "")]
    public void CsvCell_Value_QuotedPerRfc4180AndNeutralised(string? value, string expected) =>
        Assert.Equal(expected, CloudPortal.Web.Audit.AuditCsv.Cell(value));

    [Fact]
    public async Task MachineCreate_ThroughApiOnTestDriver_AuditedSucceededWithAddress()
    {
        var admin = await portal.SignedInAsync("admin", AuditPortalFactory.AdminPassword, "192.0.2.50");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var hosts = await ItemsAsync(await admin.GetAsync("/api/v1/hosts"));
            if (hosts.Any(h => h.GetProperty("state").GetString() == "connected"))
                break;
            Assert.True(DateTime.UtcNow < deadline, "the test:///default host never connected");
            await Task.Delay(100);
        }

        var created = await admin.PostAsJsonAsync("/api/v1/machines", new { name = "audited-vm", vcpus = 1, memoryMiB = 128 });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var again = await admin.PostAsJsonAsync("/api/v1/machines", new { name = "audited-vm", vcpus = 1, memoryMiB = 128 });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var entries = await ItemsAsync(await admin.GetAsync("/api/v1/audit?action=machine.create&q=audited-vm"));
        Assert.Equal(["failed", "succeeded"], entries.Select(e => e.GetProperty("result").GetString()!).ToArray());
        var ok = entries[1];
        Assert.Equal(id, ok.GetProperty("targetId").GetString());
        Assert.Equal("admin", ok.GetProperty("username").GetString());
        Assert.Equal(DefaultTenant.Id.ToString(), ok.GetProperty("tenantId").GetString());
        Assert.Equal("192.0.2.50", ok.GetProperty("address").GetString());
        Assert.Contains("already exists", entries[0].GetProperty("detail").GetString());
        // The token issue that signed the admin in is audited too.
        Assert.NotEmpty(await ItemsAsync(await admin.GetAsync("/api/v1/audit?action=token.issue&user=admin&result=succeeded")));
    }

    [Fact]
    public async Task AuditPageAndCsvExport_SignedInAdminCookie_RenderAndDownload()
    {
        var client = portal.ClientFrom("198.18.5.1");
        var login = await client.GetAsync("/login");
        var html = await login.Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var cookies = login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).ToList();
        var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Username"] = "admin", ["Password"] = AuditPortalFactory.AdminPassword, ["ReturnUrl"] = "/audit", ["__RequestVerificationToken"] = token,
            }),
        };
        request.Headers.Add("Cookie", string.Join("; ", cookies));
        var signedIn = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        cookies.AddRange(signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies));

        var page = await client.GetAsync("/audit");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Audit log", await page.Content.ReadAsStringAsync());
        var csv = await client.GetAsync("/audit/export.csv?action=signin&result=succeeded");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Contains(",signin,user,", await csv.Content.ReadAsStringAsync());
    }
}
