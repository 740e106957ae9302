using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests.Lab;

/// <summary>Placement on three real libvirt hosts (scripts/lab): where the engine puts machines is where libvirt runs them.</summary>
[Trait("Category", "RealHost")]
[Collection(LabCollection.Name)]
public sealed class LabPlacementTests(LabPortal lab) : IAsyncLifetime
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);
    private readonly List<(HttpClient Client, string Id)> created = [];
    private readonly List<HttpClient> clients = [];
    private HttpClient Admin => lab.Admin;

    private sealed record Placed(string Id, string HostId, string TenantId, string DomainUuid);

    public Task InitializeAsync() => lab.SetVcpuCapacityAsync(null);

    /// <summary>Deletes every machine the test made (the fixture's sweep is the safety net) and resets the hosts.</summary>
    public async Task DisposeAsync()
    {
        var operations = new List<(HttpClient Client, string Id)>();
        foreach (var (client, id) in created)
        {
            using var response = await client.DeleteAsync($"/api/v1/machines/{id}");
            if (response.StatusCode == HttpStatusCode.Accepted)
                operations.Add((client, (await response.JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString()!));
        }
        foreach (var (client, id) in operations)
            await client.WaitOperationAsync(id, CreateTimeout);
        foreach (var client in clients)
            client.Dispose();
        await lab.SetVcpuCapacityAsync(null);
    }

    private static string Name() => PortalApi.UniqueName(LabPortal.TestPrefix.TrimEnd('-'));

    private static HttpContent Body(string name, string? groupId) => JsonContent.Create(groupId is null
        ? new { name, vcpus = 1, memoryMiB = 64 }
        : (object)new { name, vcpus = 1, memoryMiB = 64, placementGroupId = groupId });

    /// <summary>Creates a 1-vCPU 64 MiB diskless machine and waits until it runs.</summary>
    private async Task<Placed> CreateAsync(HttpClient client, string? groupId = null)
    {
        var name = Name();
        using var response = await client.PostAsync("/api/v1/machines", Body(name, groupId));
        var machine = await response.JsonAsync(HttpStatusCode.Accepted);
        var id = machine.GetProperty("id").GetString()!;
        created.Add((client, id));
        var operation = await client.WaitOperationAsync(machine.GetProperty("operationId").GetString()!, CreateTimeout);
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create of {name} did not succeed: {operation}");
        var running = await client.GetMachineAsync(id);
        Assert.Equal("running", running.GetProperty("state").GetString());
        return new Placed(id, running.GetProperty("hostId").GetString()!, running.GetProperty("tenantId").GetString()!,
            running.GetProperty("domainUuid").GetString()!);
    }

    [Fact]
    public async Task Create_StrictAntiAffinityGroupOfThree_LandsOnThreeHosts()
    {
        using var groupResponse = await Admin.PostAsJsonAsync("/api/v1/placement-groups",
            new { name = Name(), policy = "anti-affinity", strict = true });
        var groupId = (await groupResponse.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

        var members = new List<Placed>();
        for (var i = 0; i < LabPortal.HostCount; i++)
            members.Add(await CreateAsync(Admin, groupId));
        Assert.Equal(LabPortal.HostCount, members.Select(m => m.HostId).Distinct().Count());

        using var fourth = await Admin.PostAsync("/api/v1/machines", Body(Name(), groupId));
        var problem = await fourth.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("anti-affinity", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        // libvirt agrees: each lab host runs exactly one member, the one the portal says it placed there.
        var uuids = members.Select(m => m.DomainUuid).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var uri in LabPortal.Uris)
        {
            var running = (await LabPortal.RunningUuidsAsync(uri)).Where(uuids.Contains).ToList();
            var only = Assert.Single(running);
            Assert.Equal(lab.HostIds[uri], members.Single(m => string.Equals(m.DomainUuid, only, StringComparison.OrdinalIgnoreCase)).HostId);
        }
    }

    [Fact]
    public async Task Create_ExclusiveTenant_NeverSharesAHost()
    {
        // Two one-vCPU machines per host, so that packing would put the default tenant next to T1 if it could.
        await lab.SetVcpuCapacityAsync(2);
        using var tenantResponse = await Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("t1") });
        var tenantId = (await tenantResponse.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using (var patch = await Admin.PatchAsJsonAsync($"/api/v1/tenants/{tenantId}", new { isolation = "exclusive" }))
            await patch.JsonAsync(HttpStatusCode.OK);
        var username = PortalApi.UniqueName("m");
        const string password = "lab-member-password-1";
        using (var user = await Admin.PostAsJsonAsync("/api/v1/users", new { username, password, tenantId, role = "member" }))
            await user.JsonAsync(HttpStatusCode.Created);
        var member = await lab.Factory.ClientForAsync(username, password);
        clients.Add(member); // disposed after its machines are deleted

        var all = new List<Placed>();
        void AssertT1Alone()
        {
            foreach (var t1 in all.Where(m => m.TenantId == tenantId))
                Assert.DoesNotContain(all, m => m.HostId == t1.HostId && m.TenantId != tenantId);
        }

        var d1 = await CreateAsync(Admin);
        all.Add(d1);
        var m1 = await CreateAsync(member);
        all.Add(m1);
        Assert.Equal(tenantId, m1.TenantId);
        Assert.NotEqual(d1.HostId, m1.HostId);
        AssertT1Alone();

        // The default tenant fills its host, then must skip T1's half-empty host for the empty one.
        for (var i = 0; i < 2; i++)
        {
            var d = await CreateAsync(Admin);
            all.Add(d);
            Assert.NotEqual(m1.HostId, d.HostId);
            AssertT1Alone();
        }

        var m2 = await CreateAsync(member);
        all.Add(m2);
        Assert.Equal(m1.HostId, m2.HostId);
        AssertT1Alone();
    }

    [Fact]
    public async Task Create_PackMode_FillsOneHostBeforeTheNext()
    {
        await lab.SetVcpuCapacityAsync(2);
        foreach (var host in await Admin.ListHostsAsync())
            Assert.Equal(0, host.GetProperty("allocatedVcpus").GetInt32());

        var first = await CreateAsync(Admin);
        var second = await CreateAsync(Admin);
        var third = await CreateAsync(Admin);

        Assert.Equal(first.HostId, second.HostId);
        Assert.NotEqual(first.HostId, third.HostId);
        var full = await LabPortal.RunningUuidsAsync(lab.UriOf(first.HostId));
        Assert.Contains(first.DomainUuid, full, StringComparer.OrdinalIgnoreCase);
        Assert.Contains(second.DomainUuid, full, StringComparer.OrdinalIgnoreCase);
        Assert.Contains(third.DomainUuid, await LabPortal.RunningUuidsAsync(lab.UriOf(third.HostId)), StringComparer.OrdinalIgnoreCase);
    }
}
