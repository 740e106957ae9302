using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>
/// A portal on the real qemu:///system for the lifecycle tests. Its machines (so their domains) are named cpf-*: leftovers
/// of a crashed run are swept before it starts, and every cpf-* domain is removed when it is done.
/// </summary>
public sealed class LifecyclePortal() : PortalFixture(Virsh.Uri)
{
    public const string Prefix = "cpf-";

    public static string NewName() => PortalApi.UniqueName(Prefix.TrimEnd('-'));

    protected override TimeSpan ConnectTimeout => TimeSpan.FromMinutes(4);

    public override async Task InitializeAsync()
    {
        await SweepAsync();
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
            await SweepAsync();
        }
    }

    public static async Task SweepAsync()
    {
        foreach (var domain in (await Virsh.ListAllAsync()).Where(d => d.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            await Virsh.RunAsync("destroy", domain);
            await Virsh.RunAsync("undefine", domain, "--managed-save", "--snapshots-metadata");
        }
    }
}

[Trait("Category", "RealHost")]
public sealed class LifecycleTests(LifecyclePortal portal) : IClassFixture<LifecyclePortal>
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(90);
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task Shutdown_GuestIgnoresAcpi_StoppingThenPoweredOffAtTheJournaledDeadline()
    {
        var machine = await Admin.CreateRunningMachineAsync(LifecyclePortal.NewName());
        var id = machine.GetProperty("id").GetString()!;
        var uuid = machine.GetProperty("domainUuid").GetString()!;

        using var response = await Admin.PostAsJsonAsync($"/api/v1/machines/{id}/shutdown", new { timeoutSeconds = 3 });
        var stopping = await response.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("stopping", stopping.GetProperty("state").GetString());
        var operationId = stopping.GetProperty("operationId").GetString()!;
        Assert.Equal($"/api/v1/operations/{operationId}", response.Headers.Location?.OriginalString);

        // While it is stopping only a forced power-off is allowed; everything else is a 409 naming the state.
        using (var pause = await Admin.PostAsync($"/api/v1/machines/{id}/pause", null))
        {
            var conflict = await pause.ProblemAsync(HttpStatusCode.Conflict);
            Assert.Contains("stopping", conflict.GetProperty("detail").GetString());
        }

        var operation = await Admin.WaitOperationAsync(operationId, Slow);
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"shutdown failed: {operation}");
        Assert.Equal("shutdown", operation.GetProperty("kind").GetString());
        var steps = operation.GetProperty("steps").EnumerateArray().ToList();
        var asked = steps.First(s => s.GetProperty("name").GetString() == "shutdown");
        Assert.StartsWith("shutting down, power off at ", asked.GetProperty("detail").GetString());
        // SeaBIOS without a bootable disk has no ACPI handler: the power-off at the deadline is what stopped it.
        Assert.Contains(steps, s => s.GetProperty("name").GetString() == "poweroff" && s.GetProperty("state").GetString() == "done");
        var poweredAt = steps.Last().GetProperty("at").GetDateTimeOffset();
        Assert.True(poweredAt - asked.GetProperty("at").GetDateTimeOffset() >= TimeSpan.FromSeconds(2.5), $"powered off before the deadline: {operation}");

        Assert.Equal("stopped", (await Admin.GetMachineAsync(id)).GetProperty("state").GetString());
        Assert.Equal("shut off", await Virsh.DomStateAsync(uuid));

        using var again = await Admin.PostAsync($"/api/v1/machines/{id}/shutdown", null);
        Assert.Contains("it is stopped", (await again.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        using var bad = await Admin.PostAsJsonAsync($"/api/v1/machines/{id}/shutdown", new { timeoutSeconds = 0 });
        await bad.ValidationProblemAsync("timeoutSeconds");
    }

    [Fact]
    public async Task Reset_Running_StaysRunning_StoppedIsConflict()
    {
        var machine = await Admin.CreateRunningMachineAsync(LifecyclePortal.NewName());
        var id = machine.GetProperty("id").GetString()!;
        var uuid = machine.GetProperty("domainUuid").GetString()!;

        Assert.Equal("running", (await Admin.ActAsync(id, "reset")).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));

        Assert.Equal("stopped", (await Admin.ActAsync(id, "poweroff")).GetProperty("state").GetString());
        using var reset = await Admin.PostAsync($"/api/v1/machines/{id}/reset", null);
        var problem = await reset.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("it is stopped", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Rename_StoppedRenamesTheDomain_RunningOnlyThePortalName()
    {
        var first = await Admin.CreateRunningMachineAsync(LifecyclePortal.NewName());
        var other = await Admin.CreateRunningMachineAsync(LifecyclePortal.NewName());
        var id = first.GetProperty("id").GetString()!;
        var uuid = first.GetProperty("domainUuid").GetString()!;
        var (_, domainBefore, _) = await Virsh.RunAsync("domname", uuid);

        // Running: the portal's name changes, the domain keeps its name.
        var runningName = LifecyclePortal.NewName();
        var renamed = await RenameAsync(id, runningName, HttpStatusCode.OK);
        Assert.Equal(runningName, renamed.GetProperty("name").GetString());
        Assert.Equal(domainBefore, (await Virsh.RunAsync("domname", uuid)).Output);

        // Stopped: the domain is renamed too, and still carries a piece of the machine id.
        await Admin.ActAsync(id, "poweroff");
        var stoppedName = LifecyclePortal.NewName();
        await RenameAsync(id, stoppedName, HttpStatusCode.OK);
        var domainAfter = (await Virsh.RunAsync("domname", uuid)).Output;
        Assert.StartsWith(stoppedName + "-", domainAfter);
        Assert.Equal(stoppedName, (await Admin.GetMachineAsync(id)).GetProperty("name").GetString());
        Assert.Equal("running", (await Admin.ActAsync(id, "start")).GetProperty("state").GetString());

        // Names stay unique per tenant; bad names are a 400; a paused machine is a 409 naming its state.
        var taken = await RenameAsync(id, other.GetProperty("name").GetString()!, HttpStatusCode.Conflict);
        Assert.Contains("already exists", taken.GetProperty("detail").GetString());
        using (var invalid = await Admin.PostAsJsonAsync($"/api/v1/machines/{id}/rename", new { name = "no spaces" }))
            await invalid.ValidationProblemAsync("name");
        await Admin.ActAsync(id, "pause");
        var paused = await RenameAsync(id, LifecyclePortal.NewName(), HttpStatusCode.Conflict);
        Assert.Contains("it is paused", paused.GetProperty("detail").GetString());
        Assert.Equal(stoppedName, (await Admin.GetMachineAsync(id)).GetProperty("name").GetString());

        // The history shows each rename with its steps.
        using var history = await Admin.GetAsync($"/api/v1/machines/{id}/operations");
        var operations = (await history.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        var renames = operations.Where(o => o.GetProperty("kind").GetString() == "rename").ToList();
        Assert.Equal(2, renames.Count(o => o.GetProperty("state").GetString() == "succeeded"));
        Assert.Contains(renames, o => o.GetProperty("steps").EnumerateArray().Any(s => s.GetProperty("name").GetString() == "rename-domain"));
        Assert.Contains(operations, o => o.GetProperty("kind").GetString() == "create");
    }

    [Fact]
    public async Task Resize_StoppedWithinLimits_RedefinesDomain_OtherwiseRefused()
    {
        var machine = await Admin.CreateRunningMachineAsync(LifecyclePortal.NewName());
        var id = machine.GetProperty("id").GetString()!;
        var uuid = machine.GetProperty("domainUuid").GetString()!;

        var running = await ResizeAsync(id, new { vcpus = 2, memoryMiB = 96 }, HttpStatusCode.Conflict);
        Assert.Contains("it is running", running.GetProperty("detail").GetString());

        await Admin.ActAsync(id, "poweroff");
        var resized = await ResizeAsync(id, new { vcpus = 2, memoryMiB = 96 }, HttpStatusCode.OK);
        Assert.Equal(2, resized.GetProperty("vcpus").GetInt32());
        Assert.Equal(96, resized.GetProperty("memoryMiB").GetInt32());
        var (_, info, _) = await Virsh.RunAsync("dominfo", uuid);
        Assert.Matches(@"CPU\(s\):\s+2\b", info);
        Assert.Matches(@"Max memory:\s+98304 KiB", info);

        var hostCpus = portal.Host.GetProperty("cpus").GetInt32();
        var tooMany = await ResizeAsync(id, new { vcpus = Math.Min(hostCpus + 1, 64) }, hostCpus >= 64 ? HttpStatusCode.BadRequest : HttpStatusCode.Conflict);
        if (hostCpus < 64)
            Assert.Contains($"its host has {hostCpus} CPUs", tooMany.GetProperty("detail").GetString());
        using (var invalid = await Admin.PostAsJsonAsync($"/api/v1/machines/{id}/resize", new { vcpus = -1 }))
            await invalid.ValidationProblemAsync("vcpus");
        using (var empty = await Admin.PostAsJsonAsync($"/api/v1/machines/{id}/resize", new { }))
            await empty.ValidationProblemAsync("body");

        // The new size runs.
        Assert.Equal("running", (await Admin.ActAsync(id, "start")).GetProperty("state").GetString());
        Assert.Equal("2", (await Virsh.RunAsync("vcpucount", uuid, "--live", "--active")).Output);
    }

    [Fact]
    public async Task TwoActionsAtOnce_OneSucceedsTheOtherIsConflict()
    {
        var machine = await Admin.CreateRunningMachineAsync(LifecyclePortal.NewName());
        var id = machine.GetProperty("id").GetString()!;
        for (var round = 0; round < 4; round++)
        {
            // pause+pause: either the second waits for nothing (busy) or finds the machine paused; pause+shutdown the same.
            var second = round % 2 == 0 ? "pause" : "shutdown";
            var a = Admin.PostAsync($"/api/v1/machines/{id}/pause", null);
            var b = Admin.PostAsync($"/api/v1/machines/{id}/{second}", null);
            var responses = await Task.WhenAll(a, b);
            var statuses = responses.Select(r => (int)r.StatusCode).OrderBy(s => s).ToList();
            var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            Assert.True(statuses.Count(s => s is 200 or 202) == 1 && statuses.Count(s => s == 409) == 1,
                $"round {round} (pause+{second}): {string.Join(" | ", statuses.Zip(bodies))}");
            var shutdownWon = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.Accepted);
            var shutdownOperation = shutdownWon is null ? null : JsonDocument.Parse(bodies[Array.IndexOf(responses, shutdownWon)])
                .RootElement.GetProperty("operationId").GetString();
            foreach (var response in responses)
                response.Dispose();
            // Back to running for the next round.
            if (shutdownOperation is null)
            {
                Assert.Equal("paused", (await Admin.GetMachineAsync(id)).GetProperty("state").GetString());
                await Admin.ActAsync(id, "resume");
            }
            else
            {
                // Forced now rather than at the 60 s default; the shutdown's own operation then ends by itself.
                await Admin.ActAsync(id, "poweroff");
                var overtaken = await Admin.WaitOperationAsync(shutdownOperation, Slow);
                Assert.True(overtaken.GetProperty("state").GetString() == "succeeded", $"round {round}: shutdown overtaken by a power-off: {overtaken}");
                await Admin.WaitMachineStateAsync(id, "stopped", Slow);
                await Admin.ActAsync(id, "start");
            }
        }
    }

    [Fact]
    public async Task Bulk_MixedIds_PerMachineResultsInOrder()
    {
        var names = Enumerable.Range(0, 3).Select(_ => LifecyclePortal.NewName()).ToList();
        var ids = new List<string>();
        foreach (var name in names)
            ids.Add((await Admin.CreateRunningMachineAsync(name)).GetProperty("id").GetString()!);
        var unknown = Guid.NewGuid().ToString();

        var off = await BulkAsync([.. ids, unknown], "poweroff");
        Assert.Equal([.. ids, unknown], off.Select(i => i.GetProperty("id").GetString()));
        Assert.Equal([200, 200, 200, 404], off.Select(i => i.GetProperty("status").GetInt32()));
        Assert.All(off.Take(3), i => Assert.Equal("stopped", i.GetProperty("machine").GetProperty("state").GetString()));
        Assert.False(off[3].TryGetProperty("machine", out _));

        // Starting twice: the second bulk finds them running, a 409 naming the state each.
        var started = await BulkAsync(ids, "start");
        Assert.All(started, i => Assert.Equal("running", i.GetProperty("machine").GetProperty("state").GetString()));
        var again = await BulkAsync(ids, "start");
        Assert.All(again, i =>
        {
            Assert.Equal(409, i.GetProperty("status").GetInt32());
            Assert.Contains("it is running", i.GetProperty("error").GetString());
        });

        var stopping = await BulkAsync(ids[..1], "shutdown");
        Assert.Equal(202, stopping[0].GetProperty("status").GetInt32());
        Assert.Equal("stopping", stopping[0].GetProperty("machine").GetProperty("state").GetString());

        var deleting = await BulkAsync(ids[1..], "delete");
        foreach (var item in deleting)
        {
            Assert.Equal(202, item.GetProperty("status").GetInt32());
            var done = await Admin.WaitOperationAsync(item.GetProperty("operationId").GetString()!, Slow);
            Assert.Equal("succeeded", done.GetProperty("state").GetString());
        }

        using (var badAction = await Admin.PostAsJsonAsync("/api/v1/machines/bulk", new { ids, action = "pause" }))
            await badAction.ValidationProblemAsync("action");
        using (var noIds = await Admin.PostAsJsonAsync("/api/v1/machines/bulk", new { ids = Array.Empty<string>(), action = "start" }))
            await noIds.ValidationProblemAsync("ids");
        using (var twice = await Admin.PostAsJsonAsync("/api/v1/machines/bulk", new { ids = new[] { ids[0], ids[0] }, action = "start" }))
            await twice.ValidationProblemAsync("ids");
    }

    private async Task<JsonElement> RenameAsync(string id, string name, HttpStatusCode expected)
    {
        using var response = await Admin.PostAsJsonAsync($"/api/v1/machines/{id}/rename", new { name });
        return expected == HttpStatusCode.OK ? await response.JsonAsync(expected) : await response.ProblemAsync(expected);
    }

    private async Task<JsonElement> ResizeAsync(string id, object body, HttpStatusCode expected)
    {
        using var response = await Admin.PostAsJsonAsync($"/api/v1/machines/{id}/resize", body);
        return expected == HttpStatusCode.OK ? await response.JsonAsync(expected) : await response.ProblemAsync(expected);
    }

    private async Task<List<JsonElement>> BulkAsync(IEnumerable<string> ids, string action)
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines/bulk", new { ids, action });
        return (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
    }
}
