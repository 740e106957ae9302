using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Placement;

namespace CloudPortal.Core.Machines;

/// <summary>A batch request: N machines of one size named prefix-1..prefix-N, e.g. a tenant's virtual cluster.</summary>
public sealed record BatchRequest(int? Count, string? NamePrefix, int? Vcpus, int? MemoryMiB, Guid? PlacementGroupId, bool AllOrNothing);

/// <summary>What a batch created, and why the rest was not.</summary>
public sealed record BatchResult(IReadOnlyList<(Machine Machine, Operation Operation)> Created, IReadOnlyList<string> NotCreated);

public sealed partial class MachineService
{
    public const int MaxBatch = 50;

    /// <summary>
    /// Plans every machine with the engine first; with allOrNothing, nothing is created unless all fit (409 with the
    /// reason of the first that did not). Each planned machine is then created as a single create is, which places it
    /// again against the hosts as they are by then.
    /// </summary>
    public async Task<BatchResult> CreateBatchAsync(Caller caller, BatchRequest request, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var errors = new ValidationErrors();
        if (request.Count is null)
            errors.Add("count", "count is required.");
        else if (request.Count is < 1 or > MaxBatch)
            errors.Add("count", $"count must be between 1 and {MaxBatch}.");
        if (string.IsNullOrEmpty(request.NamePrefix))
            errors.Add("namePrefix", "namePrefix is required.");
        else if (request.NamePrefix.Length > MachineRequestRules.MaxNameLength - 3)
            errors.Add("namePrefix", $"namePrefix must be at most {MachineRequestRules.MaxNameLength - 3} characters: '-N' is appended.");
        errors.ThrowIfAny();
        var count = request.Count!.Value;
        // The longest name validates the prefix's characters and the sizes in one go, with the single create's rules.
        MachineRequest One(int i) => new($"{request.NamePrefix}-{i}", request.Vcpus, request.MemoryMiB, null, request.PlacementGroupId);
        try
        {
            MachineRequestRules.Validate(One(count));
        }
        catch (ValidationFailedException ex) when (ex.Errors.ContainsKey("name"))
        {
            // The caller sent a prefix, not a name: the field map must name what it sent.
            var renamed = ex.Errors.Where(e => e.Key != "name").ToDictionary(e => e.Key, e => e.Value);
            renamed["namePrefix"] = ["namePrefix must be letters, digits or '-'."];
            throw new ValidationFailedException(renamed);
        }

        var group = await placement.GroupAsync(caller, request.PlacementGroupId, ct);
        var (fits, refusal) = await placement.PlanAsync(
            new PlacementRequest(caller.TenantId, request.Vcpus!.Value, request.MemoryMiB!.Value) { Group = group }, count, ct);
        if (fits < count && request.AllOrNothing)
        {
            var why = $"Only {fits} of {count} machines ({request.Vcpus} vCPUs, {request.MemoryMiB} MiB) fit, and all or nothing was asked; " +
                $"machine {fits + 1}: {refusal!.Summary()}.";
            try
            {
                await conflicts.EnsureGroupCanTakeAsync(caller.TenantId, group, count, ct);
            }
            catch (ConflictException ex)
            {
                why += " " + ex.Message;
            }
            throw new ConflictException(why);
        }

        var created = new List<(Machine, Operation)>();
        var notCreated = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            if (i > fits)
            {
                notCreated.Add($"{request.NamePrefix}-{i}: no host fits: {refusal!.Summary()}");
                continue;
            }
            try
            {
                created.Add(await CreateAsync(caller, One(i), ct));
            }
            catch (Exception ex) when (ex is ConflictException or HostUnavailableException or NotFoundException)
            {
                notCreated.Add($"{request.NamePrefix}-{i}: {ex.Message}");
            }
        }
        if (created.Count == 0)
            throw new ConflictException($"No machine of the batch was created: {string.Join("; ", notCreated)}.");
        return new BatchResult(created, notCreated);
    }
}
