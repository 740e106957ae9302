using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Placement;

/// <summary>
/// Placement against the real cloud: builds a candidate per registered host from the store (settings), the live
/// connections (state, hardware) and the machines already placed (allocation), then runs the engine of the cloud's mode.
/// </summary>
public sealed class HostPlacement(IHostStore hosts, IMachineStore machines, HostConnections connections, IPlacementStore decisions, ITrustStore trust, IPlacementGroupStore groups, IOptions<PlacementOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public PlacementEngine Engine { get; } = PlacementEngine.For(options.Value.Mode);

    public async Task<IReadOnlyList<HostCandidate>> CandidatesAsync(CancellationToken ct) =>
        await CandidatesAsync(await trust.LoadAsync(ct), ct);

    private async Task<IReadOnlyList<HostCandidate>> CandidatesAsync(TrustSettings settings, CancellationToken ct)
    {
        var candidates = new List<HostCandidate>();
        foreach (var host in await hosts.ListAsync(ct))
        {
            var status = connections.GetStatus(host.Id);
            // Every machine row holds its share of the host whatever its state: a stopped machine may start at any time.
            var placed = await machines.ListByHostAsync(host.Id, ct);
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
                AllocatedVcpus = placed.Sum(m => m.Vcpus),
                AllocatedMemoryMiB = placed.Sum(m => (long)m.MemoryMiB),
                TenantsPresent = placed.Select(m => m.TenantId).Distinct().ToList(),
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
        return new GroupPlacement(group.Name, group.Policy, group.Strict, await groups.MemberHostsAsync(id, ct));
    }

    public async Task<PlacementExplanation> ExplainAsync(PlacementRequest request, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        return Engine.Explain(request with { Trust = settings.For(request.TenantId) }, await CandidatesAsync(settings, ct));
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
        var connected = candidates.Where(c => c.Connected).ToList();
        if (connected.Count == 0)
            throw new HostUnavailableException(candidates.Count == 0
                ? "No host is registered: add one on the Hosts page."
                : "No host is connected right now: " + string.Join("; ", candidates.Select(h => $"{h.Name}: {connections.GetStatus(h.HostId).LastError ?? "connecting"}")));

        var errors = new ValidationErrors();
        var maxCpus = connected.Max(h => h.Cpus);
        var maxMemory = connected.Max(h => h.MemoryMiB);
        if (request.Vcpus > maxCpus)
            errors.Add("vcpus", $"vcpus must be at most {maxCpus}: no connected host has more CPUs.");
        if (request.MemoryMiB > maxMemory)
            errors.Add("memoryMiB", $"memoryMiB must be at most {maxMemory}: no connected host has more memory.");
        errors.ThrowIfAny();

        var explanation = Engine.Explain(request, candidates);
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
        request = request with { Trust = settings.For(request.TenantId) };
        var hosts = (await CandidatesAsync(settings, ct)).ToList();
        var members = request.Group?.MemberHosts.ToHashSet();
        for (var i = 0; i < count; i++)
        {
            var current = members is null ? request : request with { Group = request.Group! with { MemberHosts = members } };
            if (Engine.Place(current, hosts) is not { } chosen)
                return (i, Engine.Explain(current, hosts));
            hosts[hosts.IndexOf(chosen)] = chosen.With(current);
            members?.Add(chosen.HostId);
        }
        return (count, null);
    }

    public Task<bool> RecordAsync(Guid machineId, PlacementExplanation explanation, CancellationToken ct) =>
        decisions.RecordAsync(new PlacementRecord(machineId, Clock.Now(), ToJson(explanation)), ct);

    public async Task<PlacementExplanation?> RecordedAsync(Guid machineId, CancellationToken ct) =>
        await decisions.GetAsync(machineId, ct) is { } record ? FromJson(record.ExplainJson) : null;

    public static string ToJson(PlacementExplanation explanation) => JsonSerializer.Serialize(explanation, Json);

    public static PlacementExplanation FromJson(string json) =>
        JsonSerializer.Deserialize<PlacementExplanation>(json, Json) ?? new PlacementExplanation([]);
}
