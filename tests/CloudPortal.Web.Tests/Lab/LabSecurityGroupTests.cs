using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Networks;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests.Lab;

/// <summary>
/// Security-group rule changes on two real lab hosts, one of which is stopped while the rules change: the reachable
/// host gets the change at once, the API says which host is behind, and the stopped host converges when it is back.
/// Groups are named cpsg-*; their filters are the portal's cpnet-sg-* (named by group id), removed at the end and
/// swept at the start on the lab hosts when no domain refers to them.
/// </summary>
[Trait("Category", "RealHost")]
[Collection(LabCollection.Name)]
public sealed class LabSecurityGroupTests(LabPortal lab) : IAsyncLifetime
{
    private const string Prefix = "cpsg";
    // Lab host i keeps its /etc/libvirt here across a stop (scripts/lab's private directories).
    private const string LabState = "/var/lib/cloudportal-lab";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private string? _groupId, _doomedId;
    private HttpClient Admin => lab.Admin;

    public async Task InitializeAsync()
    {
        foreach (var uri in LabPortal.Uris)
            await SweepFiltersAsync(uri);
    }

    public async Task DisposeAsync()
    {
        try
        {
            // The stopped host comes back whatever happened, so the other lab tests find three hosts.
            await LabPortal.LabAsync("up", LabPortal.HostCount.ToString());
            foreach (var uri in LabPortal.Uris)
                await PortalApi.WaitHostStateAsync(Admin, h => h.GetProperty("uri").GetString() == uri, "connected", TimeSpan.FromSeconds(60));
            foreach (var id in new[] { _groupId, _doomedId }.OfType<string>())
                (await Admin.DeleteAsync($"/api/v1/security-groups/{id}")).Dispose();
        }
        finally
        {
            foreach (var uri in LabPortal.Uris)
                await SweepFiltersAsync(uri);
        }
    }

    [Fact]
    public async Task RuleChanges_OneHostDown_FirstHostAtOnceApiNamesTheOtherWhichConvergesOnReconnect()
    {
        string uri1 = LabPortal.Uris[0], uri2 = LabPortal.Uris[1];
        string host1 = lab.HostIds[uri1], host2 = lab.HostIds[uri2];

        using var created = await Admin.PostAsJsonAsync("/api/v1/security-groups", new { name = PortalApi.UniqueName(Prefix) });
        _groupId = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var groupId = Guid.Parse(_groupId);
        string filter = NetworkNames.Filter(groupId);

        // What placing a machine of the group on a host does: the filter is defined there and recorded.
        var service = lab.Factory.Services.GetRequiredService<SecurityGroupService>();
        var group = (await lab.Factory.Services.GetRequiredService<ISecurityGroupStore>().GetAsync(groupId, CancellationToken.None))!;
        await service.DefineOnHostAsync(group, Guid.Parse(host1), CancellationToken.None);
        await service.DefineOnHostAsync(group, Guid.Parse(host2), CancellationToken.None);
        // A second group, deleted while lab2 is away.
        using var doomedCreated = await Admin.PostAsJsonAsync("/api/v1/security-groups", new { name = PortalApi.UniqueName(Prefix) });
        _doomedId = (await doomedCreated.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var doomed = (await lab.Factory.Services.GetRequiredService<ISecurityGroupStore>().GetAsync(Guid.Parse(_doomedId), CancellationToken.None))!;
        string doomedFilter = NetworkNames.Filter(doomed.Id);
        await service.DefineOnHostAsync(doomed, Guid.Parse(host1), CancellationToken.None);
        await service.DefineOnHostAsync(doomed, Guid.Parse(host2), CancellationToken.None);

        // Both hosts up: 201, nothing pending, both filters have the rule.
        using var opened = await Admin.PostAsJsonAsync($"/api/v1/security-groups/{_groupId}/rules",
            new { protocol = "tcp", portFrom = 2222, sourceCidr = "192.0.2.0/24" });
        var openedBody = await opened.JsonAsync(HttpStatusCode.Created);
        Assert.Empty(openedBody.GetProperty("pendingHosts").EnumerateArray());
        var oldRuleId = openedBody.GetProperty("rules").EnumerateArray().Single().GetProperty("id").GetString();
        Assert.Contains("dstportstart='2222'", await FilterXmlAsync(uri1, filter));
        Assert.Contains("dstportstart='2222'", await FilterXmlAsync(uri2, filter));

        // lab2 goes away.
        await LabPortal.LabAsync("down", "2");
        await WaitHostNotConnectedAsync(uri2);

        // Removing the rule: saved, in force on lab1 at once, and the answer names lab2 as not updated yet.
        using var removed = await Admin.DeleteAsync($"/api/v1/security-groups/{_groupId}/rules/{oldRuleId}");
        var removedBody = await removed.JsonAsync(HttpStatusCode.Accepted);
        AssertPendingIsOnly(removedBody, host2, "lab2");
        Assert.Empty(removedBody.GetProperty("rules").EnumerateArray());
        Assert.DoesNotContain("2222", await FilterXmlAsync(uri1, filter));

        // Adding one while lab2 is away: the same.
        using var added = await Admin.PostAsJsonAsync($"/api/v1/security-groups/{_groupId}/rules",
            new { protocol = "udp", portFrom = 5353, sourceCidr = "198.51.100.0/24" });
        var addedBody = await added.JsonAsync(HttpStatusCode.Accepted);
        AssertPendingIsOnly(addedBody, host2, "lab2");
        Assert.Contains("dstportstart='5353'", await FilterXmlAsync(uri1, filter));

        // Deleting a group while lab2 is away: gone from the portal and from lab1 now, lab2's copy stays for later.
        using (var deleted = await Admin.DeleteAsync($"/api/v1/security-groups/{_doomedId}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(await FilterExistsAsync(uri1, doomedFilter));

        // The database is the truth: the group reads as changed.
        using var read = await Admin.GetAsync($"/api/v1/security-groups/{_groupId}");
        var rules = (await read.JsonAsync(HttpStatusCode.OK)).GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal([5353], rules.Select(r => r.GetProperty("portFrom").GetInt32()));

        // lab2 went down with the old rules: its stored filter still opens 2222 and knows nothing of 5353.
        var stored = await File.ReadAllTextAsync(Path.Combine(LabState, "2", "etc", "nwfilter", filter + ".xml"));
        Assert.Contains("dstportstart='2222'", stored);
        Assert.DoesNotContain("5353", stored);
        Assert.True(File.Exists(Path.Combine(LabState, "2", "etc", "nwfilter", doomedFilter + ".xml")), "lab2 should still hold the deleted group's filter");

        // lab2 comes back: the portal reconnects and redefines the filter from the database.
        await LabPortal.LabAsync("up", LabPortal.HostCount.ToString());
        await PortalApi.WaitHostStateAsync(Admin, h => h.GetProperty("uri").GetString() == uri2, "connected", Converge);
        var clock = Stopwatch.StartNew();
        string xml;
        while (true)
        {
            xml = await FilterXmlAsync(uri2, filter);
            if (!xml.Contains("2222") && xml.Contains("dstportstart='5353'"))
                break;
            Assert.True(clock.Elapsed < Converge, $"lab2's filter did not converge in {Converge}: {xml}");
            await Task.Delay(250);
        }
        Assert.Contains("srcipaddr='198.51.100.0'", xml);
        // The deleted group's filter is removed from lab2 in the same pass.
        clock.Restart();
        while (await FilterExistsAsync(uri2, doomedFilter))
        {
            Assert.True(clock.Elapsed < Converge, $"lab2 still has the filter of the deleted group after {Converge}");
            await Task.Delay(250);
        }
        _doomedId = null;

        // Back to normal: a change reaches both hosts and nothing is pending.
        using var again = await Admin.PostAsJsonAsync($"/api/v1/security-groups/{_groupId}/rules", new { protocol = "icmp", sourceCidr = "203.0.113.0/24" });
        Assert.Empty((await again.JsonAsync(HttpStatusCode.Created)).GetProperty("pendingHosts").EnumerateArray());
        Assert.Contains("203.0.113.0", await FilterXmlAsync(uri2, filter));
    }

    private static void AssertPendingIsOnly(JsonElement body, string hostId, string name)
    {
        var pending = Assert.Single(body.GetProperty("pendingHosts").EnumerateArray());
        Assert.Equal(hostId, pending.GetProperty("hostId").GetString());
        Assert.Equal(name, pending.GetProperty("name").GetString());
        Assert.False(string.IsNullOrWhiteSpace(pending.GetProperty("reason").GetString()));
        Assert.Contains($"{name} could not be updated now and will be when they reconnect", body.GetProperty("detail").GetString());
    }

    private async Task WaitHostNotConnectedAsync(string uri)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var host = (await Admin.ListHostsAsync()).Single(h => h.GetProperty("uri").GetString() == uri);
            if (host.GetProperty("state").GetString() != "connected")
                return;
            Assert.True(clock.Elapsed < Converge, $"the portal still sees {uri} connected after it stopped: {host}");
            await Task.Delay(100);
        }
    }

    private static async Task<bool> FilterExistsAsync(string uri, string filter)
    {
        var (code, output, error) = await LabPortal.VirshAsync(uri, "nwfilter-list");
        Assert.True(code == 0, $"virsh -c {uri} nwfilter-list failed ({code}): {error}");
        return output.Split('\n').Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == filter);
    }

    private static async Task<string> FilterXmlAsync(string uri, string filter)
    {
        var (code, output, error) = await LabPortal.VirshAsync(uri, "nwfilter-dumpxml", filter);
        Assert.True(code == 0, $"virsh -c {uri} nwfilter-dumpxml {filter} failed ({code}): {error}");
        return output;
    }

    /// <summary>Portal filters on a lab host that no domain there refers to (lab hosts belong to the tests).</summary>
    private static async Task SweepFiltersAsync(string uri)
    {
        var (code, output, _) = await LabPortal.VirshAsync(uri, "nwfilter-list");
        if (code != 0)
            return;
        var (_, domains, _) = await LabPortal.VirshAsync(uri, "list", "--all", "--name");
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in domains.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (_, xml, _) = await LabPortal.VirshAsync(uri, "dumpxml", "--inactive", domain);
            foreach (var match in System.Text.RegularExpressions.Regex.Matches(xml, "filterref filter='([^']+)'").Cast<System.Text.RegularExpressions.Match>())
                referenced.Add(match.Groups[1].Value);
        }
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
            if (name is not null && name.StartsWith(NetworkNames.FilterPrefix, StringComparison.Ordinal) && !referenced.Contains(name))
                await LabPortal.VirshAsync(uri, "nwfilter-undefine", name);
        }
    }
}
