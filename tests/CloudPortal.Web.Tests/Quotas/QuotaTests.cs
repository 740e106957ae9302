using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Quotas;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests.Quotas;

/// <summary>
/// The ledger stays exactly derivable from the machines that exist (zero drift) through concurrent creates, injected
/// failures, deletes, start/stop and state changes made behind the portal's back; refusals name resource, limit, use
/// and request. Real SQLite file, real libvirt (test:///default).
/// </summary>
public sealed class QuotaTests(QuotaPortalFixture portal) : IClassFixture<QuotaPortalFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private MachineService Machines => portal.Services.GetRequiredService<MachineService>();
    private IMachineStore MachineStore => portal.Services.GetRequiredService<IMachineStore>();
    private IQuotaStore Quotas => portal.Services.GetRequiredService<IQuotaStore>();
    private QuotaService QuotaService => portal.Services.GetRequiredService<QuotaService>();

    [Fact]
    public async Task CreateAsync_200ConcurrentAgainstMachinesLimit10_Exactly10SucceedAndNoDrift()
    {
        var member = await portal.NewTenantMemberAsync("race");
        await QuotaService.SetAsync(portal.Admin(member.TenantId), member.TenantId, new QuotaLimits { Machines = 10 }, None);

        var attempts = Enumerable.Range(0, 200).Select(async i =>
        {
            try
            {
                await Machines.CreateAsync(member, new MachineRequest($"race-{i}", 1, 64), None);
                return "ok";
            }
            catch (QuotaExceededException ex)
            {
                Assert.StartsWith("machines: limit 10, used 10, requested 1", ex.Violations[0]);
                return "quota";
            }
        });
        var results = await Task.WhenAll(attempts);

        Assert.Equal(10, results.Count(r => r == "ok"));
        Assert.Equal(190, results.Count(r => r == "quota"));
        var machines = await WaitSettledAsync(member.TenantId);
        Assert.Equal(10, machines.Count);
        Assert.All(machines, m => Assert.Equal(MachineState.Running, m.State));
        var view = await Quotas.GetViewAsync(member.TenantId, None);
        Assert.Equal(10, view.Usage.Machines);
        Assert.Equal(10, view.Usage.RunningVcpus);
        Assert.Equal(QuotaAmounts.Zero, view.Reserved);
        Assert.Empty(await Quotas.RecomputeAsync(member.TenantId, fix: false, None));
        await DeleteAllAsync(member);
    }

    [Fact]
    public async Task CreateAsync_FailureInjectedAfterDefine_ReservationReleasedAndNoDrift()
    {
        var member = await portal.NewTenantMemberAsync("fail");
        await QuotaService.SetAsync(portal.Admin(member.TenantId), member.TenantId, new QuotaLimits { Machines = 3, MemoryMiB = 1024 }, None);
        // The internal hook (MachineService.BeforeStartHook) fails creates after the domain is defined, with the
        // reservation held: the rollback must undefine the domain, delete the row and release the reservation.
        Machines.BeforeStartHook = (machine, _) => machine.TenantId == member.TenantId && machine.Name.StartsWith("doomed", StringComparison.Ordinal)
            ? throw new InvalidOperationException("injected failure")
            : Task.CompletedTask;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Machines.CreateAsync(member, new MachineRequest($"doomed-{i}", 1, 256), None)));
            var settled = await WaitSettledAsync(member.TenantId);
            Assert.Empty(settled);
            var view = await Quotas.GetViewAsync(member.TenantId, None);
            Assert.Equal(QuotaAmounts.Zero, view.Usage);
            Assert.Equal(QuotaAmounts.Zero, view.Reserved);

            // The whole quota is free again: three machines fit.
            await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Machines.CreateAsync(member, new MachineRequest($"ok-{i}", 1, 256), None)));
            Assert.Equal(3, (await WaitSettledAsync(member.TenantId)).Count);
            var refused = await Assert.ThrowsAsync<QuotaExceededException>(() => Machines.CreateAsync(member, new MachineRequest("one-more", 1, 512), None));
            Assert.Equal(["machines: limit 3, used 3, requested 1", "memory: limit 1024 MiB, used 768 MiB, requested 512 MiB"], refused.Violations);
            Assert.Empty(await Quotas.RecomputeAsync(member.TenantId, fix: false, None));
        }
        finally
        {
            Machines.BeforeStartHook = null;
        }
        await DeleteAllAsync(member);
        Assert.Equal(QuotaAmounts.Zero, (await Quotas.GetViewAsync(member.TenantId, None)).Usage);
    }

    [Fact]
    public async Task ActAsync_StartStopCyclesAndStateChangesBehindTheBack_RunningChargeFollowsAndNoDrift()
    {
        var member = await portal.NewTenantMemberAsync("cycle");
        await QuotaService.SetAsync(portal.Admin(member.TenantId), member.TenantId,
            new QuotaLimits { RunningVcpus = 2, RunningMemoryMiB = 512, MaxMachineVcpus = 2 }, None);
        var capRefusal = await Assert.ThrowsAsync<QuotaExceededException>(() => Machines.CreateAsync(member, new MachineRequest("big", 4, 128), None));
        Assert.Equal("vcpus per machine: limit 2, requested 4", capRefusal.Violations[0]);

        var (a, _) = await Machines.CreateAsync(member, new MachineRequest("a", 2, 256), None);
        await WaitSettledAsync(member.TenantId);
        // a runs and holds the whole running vCPU quota: b is defined but may not run.
        var refused = await Assert.ThrowsAsync<QuotaExceededException>(() => Machines.CreateAsync(member, new MachineRequest("b", 1, 128), None));
        Assert.Equal("running vcpus: limit 2, used 2, requested 1", refused.Violations.Single());

        for (var i = 0; i < 3; i++)
        {
            await Machines.ActAsync(member, a.Id, MachineAction.Poweroff, None);
            Assert.Equal(0, (await Quotas.GetViewAsync(member.TenantId, None)).Usage.RunningVcpus);
            await Machines.ActAsync(member, a.Id, MachineAction.Start, None);
            Assert.Equal(2, (await Quotas.GetViewAsync(member.TenantId, None)).Usage.RunningVcpus);
            await Machines.ActAsync(member, a.Id, MachineAction.Pause, None);
            await Machines.ActAsync(member, a.Id, MachineAction.Resume, None);
            Assert.Empty(await Quotas.RecomputeAsync(member.TenantId, fix: false, None));
        }

        // What `virsh destroy` then `virsh start` behind the portal's back look like to the reconciler.
        var machine = (await MachineStore.GetAsync(a.Id, None))!;
        machine = (await Machines.SetStateAsync(machine, MachineState.Stopped, null, None))!;
        Assert.Equal(0, (await Quotas.GetViewAsync(member.TenantId, None)).Usage.RunningVcpus);
        machine = (await Machines.SetStateAsync(machine, MachineState.Running, null, None))!;
        Assert.Equal(2, (await Quotas.GetViewAsync(member.TenantId, None)).Usage.RunningVcpus);
        machine = (await Machines.SetStateAsync(machine, MachineState.Missing, "gone", None))!;
        Assert.Equal(0, (await Quotas.GetViewAsync(member.TenantId, None)).Usage.RunningVcpus);
        Assert.Empty(await Quotas.RecomputeAsync(member.TenantId, fix: false, None));
        await Machines.SetStateAsync(machine, MachineState.Running, null, None);

        // A start over the running limit is refused before libvirt is asked, and reserves nothing.
        await Machines.ActAsync(member, a.Id, MachineAction.Poweroff, None);
        await QuotaService.SetAsync(portal.Admin(member.TenantId), member.TenantId, new QuotaLimits { RunningVcpus = 1 }, None);
        var startRefused = await Assert.ThrowsAsync<QuotaExceededException>(() => Machines.ActAsync(member, a.Id, MachineAction.Start, None));
        Assert.Equal("running vcpus: limit 1, used 0, requested 2", startRefused.Violations.Single());
        Assert.Equal(QuotaAmounts.Zero, (await Quotas.GetViewAsync(member.TenantId, None)).Reserved);

        await DeleteAllAsync(member);
        Assert.Equal(QuotaAmounts.Zero, (await Quotas.GetViewAsync(member.TenantId, None)).Usage);
        Assert.Empty(await Quotas.RecomputeAsync(member.TenantId, fix: false, None));
    }

    [Fact]
    public async Task RecomputeAsync_UsageTamperedWith_ReportsAndFixesDrift()
    {
        var member = await portal.NewTenantMemberAsync("drift");
        await Machines.CreateAsync(member, new MachineRequest("d", 1, 64), None);
        await WaitSettledAsync(member.TenantId);
        await using (var connection = await portal.Database.OpenAsync(None))
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE quota_usage SET machines = machines + 5 WHERE tenant_id = @t", new { t = member.TenantId.ToString() });

        var drift = await QuotaService.RecomputeAsync(portal.Admin(member.TenantId), member.TenantId, None);

        Assert.Equal([new QuotaDrift(QuotaResource.Machines, 6, 1)], drift);
        Assert.Empty(await Quotas.RecomputeAsync(member.TenantId, fix: false, None));
        await DeleteAllAsync(member);
    }

    [Fact]
    public async Task Api_QuotaEndpoints_ValidateHideOtherTenantsAndRefuseWith409()
    {
        using var client = await AdminClientAsync();
        var other = await portal.NewTenantMemberAsync("api");

        var bad = await client.PutAsJsonAsync($"/api/v1/tenants/{other.TenantId}/quota", new { machines = -1, memoryMiB = 2L * 1024 * 1024 * 1024 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("machines", out _));
        Assert.True(errors.TryGetProperty("memoryMiB", out _));

        var put = await client.PutAsJsonAsync($"/api/v1/tenants/{other.TenantId}/quota", new { machines = 0, vcpus = (int?)null });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var body = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, body.GetProperty("limits").GetProperty("machines").GetInt64());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("limits").GetProperty("vcpus").ValueKind);
        var history = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{other.TenantId}/quota/history");
        Assert.Equal("admin", history[0].GetProperty("username").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/tenants/{Guid.NewGuid()}/quota")).StatusCode);
        // A member of another tenant sees no trace of this one (service level: tokens for other tenants are the tenancy work's).
        var stranger = await portal.NewTenantMemberAsync("stranger");
        await Assert.ThrowsAsync<NotFoundException>(() => QuotaService.GetAsync(stranger, other.TenantId, None));
        await Assert.ThrowsAsync<ForbiddenException>(() => QuotaService.SetAsync(other, other.TenantId, new QuotaLimits(), None));

        // The admin acts in the default tenant: a machines limit of 0 there refuses a create with a 409 naming it.
        var before = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{DefaultTenant.Id}/quota");
        await client.PutAsJsonAsync($"/api/v1/tenants/{DefaultTenant.Id}/quota", new { machines = 0 });
        var refused = await client.PostAsJsonAsync("/api/v1/machines", new { name = "nope", vcpus = 1, memoryMiB = 64 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"machines: limit 0, used {before.GetProperty("usage").GetProperty("defined").GetProperty("machines").GetInt64()}, requested 1",
            problem.GetProperty("detail").GetString());
        await client.PutAsJsonAsync($"/api/v1/tenants/{DefaultTenant.Id}/quota", before.GetProperty("limits"));

        var defaults = await client.PutAsJsonAsync("/api/v1/quota-defaults", new { machines = 50 });
        Assert.Equal(HttpStatusCode.OK, defaults.StatusCode);
        var fresh = await portal.NewTenantMemberAsync("defaulted");
        var view = await QuotaService.GetAsync(fresh, fresh.TenantId, None);
        Assert.True(view.IsDefault);
        Assert.Equal(50, view.Limits.Machines);
        await client.PutAsJsonAsync("/api/v1/quota-defaults", new { });
    }

    private async Task<HttpClient> AdminClientAsync()
    {
        var client = portal.Factory.CreateClient();
        var token = await client.PostAsJsonAsync("/api/v1/tokens", new { username = "admin", password = QuotaPortalFixture.AdminPassword });
        token.EnsureSuccessStatusCode();
        var value = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", value);
        return client;
    }

    /// <summary>Waits until no machine of the tenant is provisioning or deleting any more, and returns them.</summary>
    private async Task<IReadOnlyList<Machine>> WaitSettledAsync(Guid tenantId)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var page = await MachineStore.ListAsync(tenantId, new PageRequest(PageRequest.MaxLimit, null), None);
            if (page.Items.All(m => !m.State.IsTransitional()))
                return page.Items;
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException("Machines did not settle: " + string.Join(", ", page.Items.Select(m => $"{m.Name}={m.State}")));
            await Task.Delay(50);
        }
    }

    private async Task DeleteAllAsync(Caller caller)
    {
        foreach (var machine in await WaitSettledAsync(caller.TenantId))
            await Machines.DeleteAsync(caller, machine.Id, None);
        Assert.Empty(await WaitSettledAsync(caller.TenantId));
        Assert.Empty(await Quotas.RecomputeAsync(caller.TenantId, fix: false, None));
    }
}
