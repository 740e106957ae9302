using CloudPortal.Core.Networks;
using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public static class MachineEndpoints
{
    public static RouteGroupBuilder MapMachineEndpoints(this RouteGroupBuilder api)
    {
        var machines = api.MapGroup("/machines").WithTags("Machines");

        machines.MapGet("/", async (int? limit, string? cursor, string? filter, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            var page = await service.ListAsync(user.ToCaller(), PageRequest.Create(limit, cursor, filter), ct);
            return new PageDto<MachineDto>(page.Items.Select(m => MachineDto.From(m)).ToList(), page.Next);
        }).WithSummary("The tenant's machines, newest first; ?filter= matches a name part or a state.");

        machines.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
            MachineDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("One machine.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        machines.MapPost("/", async (MachineCreateDto? body, ClaimsPrincipal user, MachineService service, NetworkService networks, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with name, vcpus and memoryMiB is required.");
            var caller = user.ToCaller();
            var networkId = await NetworkIdAsync(body.NetworkId, caller, networks, ct);
            var (machine, operation) = await service.CreateAsync(caller,
                new MachineRequest(body.Name, body.Vcpus, body.MemoryMiB, body.Labels, body.PlacementGroupId, body.ImageId, body.DiskGiB, networkId, body.SecurityGroupId)
                {
                    CloudInit = body.CloudInit(),
                }, ct);
            return Results.Accepted($"/api/v1/operations/{operation.Id}", MachineDto.From(machine, operation.Id));
        })
        .WithSummary("Create and start a machine: 202 at once in state provisioning, with the operation that follows it. With an image, " +
            "hostname, sshKeyIds (from the caller's profile), sshKeys (key lines) and userData (a script or #cloud-config, 16 KiB) " +
            "reach the guest in a NoCloud seed (a read-only CD-ROM labelled cidata).")
        .Produces<MachineDto>(StatusCodes.Status202Accepted)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        machines.MapPost("/batch", async (MachineBatchDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with count, namePrefix, vcpus and memoryMiB is required.");
            var result = await service.CreateBatchAsync(user.ToCaller(),
                new BatchRequest(body.Count, body.NamePrefix, body.Vcpus, body.MemoryMiB, body.PlacementGroupId, body.AllOrNothing ?? false), ct);
            return Results.Accepted(null as string, new MachineBatchResultDto(
                result.Created.Select(c => MachineDto.From(c.Machine, c.Operation.Id)).ToList(), result.NotCreated));
        })
        .WithSummary("Create count machines named namePrefix-1..N, placed together first; allOrNothing creates none unless all fit.")
        .Produces<MachineBatchResultDto>(StatusCodes.Status202Accepted)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict);

        machines.MapGet("/{id:guid}/placement", async (Guid id, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
            PlacementDto.From(await service.GetPlacementAsync(user.ToCaller(), id, ct)))
            .WithSummary("The placement decision recorded when the machine was created: every host, why it was dropped or its score.")
            .Produces<PlacementDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/placement/explain", async (MachineCreateDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with vcpus and memoryMiB is required.");
            return PlacementDto.From(await service.ExplainPlacementAsync(user.ToCaller(), new MachineRequest(body.Name, body.Vcpus, body.MemoryMiB, body.Labels, body.PlacementGroupId), ct));
        })
        .WithTags("Placement")
        .WithSummary("Dry run: where a machine of this create body (plus optional required labels) would go, and why not elsewhere. Creates nothing.")
        .Produces<PlacementDto>()
        .ProducesValidationProblem();

        machines.MapDelete("/{id:guid}", async (Guid id, bool? keepVolumes, ClaimsPrincipal user, MachineService service, IServiceProvider services, CancellationToken ct) =>
        {
            var operation = await service.DeleteAsync(user.ToCaller(), id, keepVolumes ?? false, ct);
            return Results.Accepted($"/api/v1/operations/{operation.Id}", await OperationEndpoints.DescribeAsync(operation.Id, services, ct));
        })
        .WithSummary("Delete a machine and its disks, data volumes attached to it included unless ?keepVolumes=true: 202 with the operation.")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        machines.MapPost("/{id:guid}/{action}", async (Guid id, string action, MachineActionDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            if (!MachineActions.TryParse(action, out var parsed))
                throw new NotFoundException($"There is no machine action '{action}'; use one of {string.Join(", ", Enum.GetNames<MachineAction>().Select(n => n.ToLowerInvariant()))}, rename or resize.");
            if (parsed == MachineAction.Shutdown)
            {
                var (machine, operation) = await service.ShutdownAsync(user.ToCaller(), id, body?.TimeoutSeconds, ct);
                return Results.Accepted($"/api/v1/operations/{operation.Id}", MachineDto.From(machine, operation.Id));
            }
            if (body?.TimeoutSeconds is not null)
                throw ValidationFailedException.For("timeoutSeconds", "timeoutSeconds applies to shutdown only.");
            return Results.Ok(MachineDto.From(await service.ActAsync(user.ToCaller(), id, parsed, ct)));
        })
        .WithSummary("start, shutdown, poweroff, reboot, reset, pause, resume or suspend; 409 naming the state when not allowed in it. " +
            "shutdown answers 202: the machine is stopping, the guest is asked to shut down and powered off after " +
            "timeoutSeconds (optional body {\"timeoutSeconds\"}, default 60); the operation's journal says when.")
        .Produces<MachineDto>()
        .Produces<MachineDto>(StatusCodes.Status202Accepted)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        machines.MapPost("/{id:guid}/rename", async (Guid id, MachineRenameDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            var (machine, operation) = await service.RenameAsync(user.ToCaller(), id, body?.Name, ct);
            return MachineDto.From(machine, operation.Id);
        })
        .WithSummary("Rename a running or stopped machine (unique in the tenant). Stopped: the libvirt domain is renamed too; " +
            "running: only the portal's name changes. 409 naming the state otherwise.")
        .Produces<MachineDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        machines.MapPost("/{id:guid}/resize", async (Guid id, MachineResizeDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            var (machine, operation) = await service.ResizeAsync(user.ToCaller(), id, body?.Vcpus, body?.MemoryMiB, ct);
            return MachineDto.From(machine, operation.Id);
        })
        .WithSummary("New vCPUs and/or memory for a stopped machine, within the host's CPUs and memory and the tenant's caps and quota; " +
            "the domain is redefined. 409 naming the state when not stopped.")
        .Produces<MachineDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        machines.MapPost("/bulk", async (MachineBulkDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with ids and action is required.");
            var results = await service.BulkAsync(user.ToCaller(), body.Ids, body.Action, null, ct);
            return new MachineBulkResultDto(results.Select(MachineBulkItemDto.From).ToList());
        })
        .WithSummary("One action (start, shutdown, poweroff or delete) on up to 100 machines: 200 with each machine's outcome " +
            "(status as its single request would answer, the machine, the operation or the error), in the order of ids.")
        .Produces<MachineBulkResultDto>()
        .ProducesValidationProblem();

        machines.MapGet("/{id:guid}/operations", async (Guid id, int? limit, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            var history = await service.HistoryAsync(user.ToCaller(), id, limit ?? 20, ct);
            return new PageDto<OperationDto>(history.Select(h => OperationDto.From(h.Operation, h.Steps)).ToList(), null);
        })
        .WithSummary("The machine's operations, newest first, each with every step of its journal (?limit=, at most 100).")
        .Produces<PageDto<OperationDto>>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        machines.MapGet("/{id:guid}/nics", async (Guid id, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
            (await service.DescribeDomainAsync(user.ToCaller(), id, ct)).Nics.Select(MachineNicDto.From).ToList())
        .WithSummary("The machine's network interfaces as its domain has them: MAC, type, what each is attached to, model, the " +
            "address the portal reserved for it on a tenant network, and the DHCP leases the guest holds now.")
        .Produces<List<MachineNicDto>>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    /// <summary>networkId is a network's id, or "default" for the tenant's default network (made on first use).</summary>
    private static async Task<Guid?> NetworkIdAsync(string? text, CloudPortal.Core.Common.Caller caller, NetworkService networks, CancellationToken ct)
    {
        if (text is null)
            return null;
        if (text == NetworkService.DefaultName)
            return (await networks.EnsureDefaultAsync(caller.TenantId, ct)).Id;
        if (Guid.TryParse(text, out var id))
            return id;
        throw ValidationFailedException.For("networkId", $"networkId must be a network's id or \"{NetworkService.DefaultName}\".");
    }
}
