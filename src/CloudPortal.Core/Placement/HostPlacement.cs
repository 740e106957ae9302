using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Placement;

/// <summary>
/// Placement against the real cloud: builds a candidate per registered host from the store (settings), the live
/// connections (state, hardware) and the machines already placed (allocation), then runs the engine of the tenant's
/// mode (the cloud's unless the tenant overrides it).
/// </summary>
public sealed class HostPlacement(IHostStore hosts, IMachineStore machines, HostConnections connections, IPlacementStore decisions,
    ITrustStore trust, IPlacementGroupStore groups, IOptions<PlacementOptions> options, IHostLoadSource load)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly PlacementEngine _pack = PlacementEngine.For(options.Value.WeightsFor(PlacementMode.Pack), load);
    private readonly PlacementEngine _spread = PlacementEngine.For(options.Value.WeightsFor(PlacementMode.Spread), load);

    public PlacementMode CloudMode => options.Value.Mode;

    /// <summary>The cloud's engine.</summary>
    public PlacementEngine Engine => EngineFor(CloudMode);

    public PlacementEngine EngineFor(PlacementMode mode) => mode == PlacementMode.Spread ? _spread : _pack;

    /// <summary>The mode a tenant's machines are placed by: its own when set, else the cloud's.</summary>
    public PlacementMode ModeOf(Guid tenantId, TrustSettings settings) =>
        settings.TenantModes.TryGetValue(tenantId, out var mode) ? mode : CloudMode;

    private PlacementEngine EngineOf(Guid tenantId, TrustSettings settings) => EngineFor(ModeOf(tenantId, settings));

    public async Task<IReadOnlyList<HostCandidate>> CandidatesAsync(CancellationToken ct) =>
        await CandidatesAsync(await trust.LoadAsync(ct), ct);

    /// <summary>Two queries whatever the number of hosts and machines: the hosts, and every tenant's sums per host.</summary>
    public async Task<IReadOnlyList<HostCandidate>> CandidatesAsync(TrustSettings settings, CancellationToken ct)
    {
        var registered = await hosts.ListAsync(ct);
        // Every machine row holds its share of the host whatever its state: a stopped machine may start at any time.
        var allocations = (await machines.ListAllocationsAsync(ct)).ToLookup(a => a.HostId);
        var candidates = new List<HostCandidate>(registered.Count);
        foreach (var host in registered)
        {
            var status = connections.GetStatus(host.Id);
            var placed = allocations[host.Id];
            candidates.Add(new HostCandidate
            {
                HostId = host.Id,
                Name = host.Name,
                Connected = status.State == HostConnectionState.Connected,
                Maintenance = host.Maintenance,
                Cpus = status.Cpus,
                MemoryMiB = status.MemoryMiB,
                ReservedMemoryMiB = host.ReservedMemoryMiB,
                CpuOvercommit = host.CpuOvercommit,
                MemoryOvercommit = host.MemoryOvercommit,
                Labels = host.Labels,
                AllocatedVcpus = (int)placed.Sum(a => a.Vcpus),
                AllocatedMemoryMiB = placed.Sum(a => a.MemoryMiB),
                TenantsPresent = placed.Select(a => a.TenantId).Distinct().ToList(),
                DedicatedTenantId = settings.DedicatedOwnerOf(host.Id),
            });
        }
        return candidates;
    }

    /// <summary>
    /// The group a new machine of the caller's tenant joins, with the hosts its machines are on. Another tenant's group
    /// is a 404 like a missing one; an administrator, who may see it, gets a 400: the machine would be in its own tenant.
    /// </summary>
    public async Task<GroupPlacement?> GroupAsync(Caller caller, Guid? groupId, CancellationToken ct)
    {
        if (groupId is not { } id)
            return null;
        var group = await groups.GetAsync(id, ct);
        if (group is null || (group.TenantId != caller.TenantId && !caller.IsAdmin))
            throw new NotFoundException($"Placement group {id} was not found.");
        if (group.TenantId != caller.TenantId)
            throw ValidationFailedException.For("placementGroupId", "placementGroupId must name a placement group of the tenant the machine is created in.");
        return new GroupPlacement(group.Name, group.Policy, group.Strict, await groups.MemberHostsAsync(id, ct)) { Id = group.Id, Members = group.Members };
    }

    public Task<IReadOnlySet<Guid>> GroupMembersExceptAsync(Guid groupId, Guid machineId, CancellationToken ct) =>
        groups.MemberHostsAsync(groupId, machineId, ct);

    public async Task<PlacementExplanation> ExplainAsync(PlacementRequest request, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        return EngineOf(request.TenantId, settings).Explain(request with { Trust = settings.For(request.TenantId) }, await CandidatesAsync(settings, ct));
    }

    /// <summary>
    /// The host for a new machine with the explanation to record. 503 when no host is connected at all, 400 when the
    /// machine is larger than any connected host could ever hold, 409 listing every host and why when none fits now.
    /// </summary>
    public async Task<(Guid HostId, PlacementExplanation Explanation)> ChooseAsync(string machineName, PlacementRequest request, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        request = request with { Trust = settings.For(request.TenantId) };
        var candidates = await CandidatesAsync(settings, ct);
        var connected = candidates.Where(c => c.Connected && request.DroppedHosts?.Contains(c.HostId) != true).ToList();
        if (connected.Count == 0)
            throw new HostUnavailableException(candidates.Count == 0
                ? "No host is registered: add one on the Hosts page."
                : "No host is connected right now: " + string.Join("; ", candidates.Select(h =>
                    $"{h.Name}: {(request.DroppedHosts?.Contains(h.HostId) == true ? "dropped while placing" : connections.GetStatus(h.HostId).LastError ?? "connecting")}")));

        var errors = new ValidationErrors();
        var maxCpus = connected.Max(h => h.Cpus);
        var maxMemory = connected.Max(h => h.MemoryMiB);
        if (request.Vcpus > maxCpus)
            errors.Add("vcpus", $"vcpus must be at most {maxCpus}: no connected host has more CPUs.");
        if (request.MemoryMiB > maxMemory)
            errors.Add("memoryMiB", $"memoryMiB must be at most {maxMemory}: no connected host has more memory.");
        errors.ThrowIfAny();

        var explanation = EngineOf(request.TenantId, settings).Explain(request, candidates);
        if (explanation.Chosen is not { } chosen)
            throw new NoHostFitsException(
                $"No host can take machine '{machineName}' ({request.Vcpus} vCPUs, {request.MemoryMiB} MiB): {explanation.Summary()}.", explanation);
        return (chosen.HostId, explanation);
    }

    /// <summary>
    /// Places <paramref name="count"/> machines of one size together on a snapshot of the hosts, each landing updating
    /// the snapshot (and the group's member hosts), without creating anything. Returns how many fit and, when not all
    /// did, the explanation for the first that did not. One size for all, so first-fit-decreasing order is arrival order.
    /// </summary>
    public async Task<(int Fits, PlacementExplanation? Refusal)> PlanAsync(PlacementRequest request, int count, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        var engine = EngineOf(request.TenantId, settings);
        request = request with { Trust = settings.For(request.TenantId) };
        var hosts = (await CandidatesAsync(settings, ct)).ToList();
        var members = request.Group?.MemberHosts.ToHashSet();
        for (var i = 0; i < count; i++)
        {
            var current = members is null ? request : request with { Group = request.Group! with { MemberHosts = members } };
            if (engine.Place(current, hosts) is not { } chosen)
                return (i, engine.Explain(current, hosts));
            hosts[hosts.IndexOf(chosen)] = chosen.With(current);
            members?.Add(chosen.HostId);
        }
        return (count, null);
    }

    /// <summary>
    /// Checks a move of a machine to another host against every policy, as if it were placed there now: the machine's
    /// own share is taken off its current host first, and its group counts only the other members. Returns the
    /// target's verdict; 409 naming the filter and reason when the target is refused, 404 for an unknown host.
    /// </summary>
    public async Task<HostVerdict> CheckMoveAsync(Machine machine, Guid targetHostId, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        var candidates = await CandidatesAsync(settings, ct);
        var target = candidates.FirstOrDefault(c => c.HostId == targetHostId)
            ?? throw new NotFoundException($"Host {targetHostId} was not found.");
        if (targetHostId == machine.HostId)
            throw new ConflictException($"Machine '{machine.Name}' is already on host {target.Name}.");
        var request = new PlacementRequest(machine.TenantId, machine.Vcpus, machine.MemoryMiB) { Trust = settings.For(machine.TenantId) };
        if (machine.PlacementGroupId is { } groupId && await groups.GetAsync(groupId, ct) is { } group)
        {
            request = request with
            {
                Group = new GroupPlacement(group.Name, group.Policy, group.Strict, await groups.MemberHostsAsync(groupId, machine.Id, ct))
                    { Id = group.Id, Members = group.Members - 1 },
            };
        }
        var verdict = EngineOf(machine.TenantId, settings).Explain(request, [target]).Hosts[0];
        if (!verdict.Eligible)
            throw new ConflictException($"Machine '{machine.Name}' cannot move to host {target.Name}: {verdict.Filter}: {verdict.Reason}.");
        return verdict;
    }

    /// <summary>
    /// How many hosts the tenant may use under the given settings: not in maintenance and allowed by the trust policy
    /// as the hosts are occupied now; the others counted by why not, for messages that name the numbers.
    /// </summary>
    public async Task<HostAllowance> AllowanceAsync(Guid tenantId, TrustSettings settings, CancellationToken ct)
    {
        var candidates = await CandidatesAsync(settings, ct);
        var request = new PlacementRequest(tenantId, 0, 0) { Trust = settings.For(tenantId) };
        var refused = new Dictionary<string, int>();
        var allowed = 0;
        foreach (var host in candidates)
        {
            var why = host.Maintenance ? "in maintenance" : TrustFilter.Check(request, host) switch
            {
                null => null,
                TrustRefusal.NotAssigned => "not assigned to the dedicated tenant",
                TrustRefusal.DedicatedToOther => "dedicated to another tenant",
                TrustRefusal.SharedWithOthers => "running other tenants' machines while the tenant is exclusive",
                TrustRefusal.ExclusiveNeighbour => "running an exclusive tenant's machines",
                _ => "running machines of a tenant kept apart from it",
            };
            if (why is null)
                allowed++;
            else
                refused[why] = refused.GetValueOrDefault(why) + 1;
        }
        return new HostAllowance(allowed, candidates.Count, refused);
    }

    public Task<bool> RecordAsync(Guid machineId, PlacementExplanation explanation, CancellationToken ct) =>
        decisions.RecordAsync(new PlacementRecord(machineId, Clock.Now(), ToJson(explanation)), ct);

    public async Task<PlacementExplanation?> RecordedAsync(Guid machineId, CancellationToken ct) =>
        await decisions.GetAsync(machineId, ct) is { } record ? FromJson(record.ExplainJson) : null;

    public static string ToJson(PlacementExplanation explanation) => JsonSerializer.Serialize(explanation, Json);

    public static PlacementExplanation FromJson(string json) =>
        JsonSerializer.Deserialize<PlacementExplanation>(json, Json) ?? new PlacementExplanation([]);
}

/// <summary>How many of the cloud's hosts a tenant may use, and the others by reason ("in maintenance": 1).</summary>
public sealed record HostAllowance(int Allowed, int Total, IReadOnlyDictionary<string, int> Refused)
{
    /// <summary>"1 of 3 hosts (1 in maintenance, 1 dedicated to another tenant)".</summary>
    public string Describe() =>
        $"{Allowed} of {Total} host{(Total == 1 ? "" : "s")}" +
        (Refused.Count == 0 ? "" : $" ({string.Join(", ", Refused.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Value} {r.Key}"))})");
}
