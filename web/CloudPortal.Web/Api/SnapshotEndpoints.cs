using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public sealed record SnapshotDto(Guid Id, Guid MachineId, string Name, string? Description, bool HasMemory, DateTimeOffset CreatedAt)
{
    public static SnapshotDto From(MachineSnapshot s) => new(s.Id, s.MachineId, s.Name, s.Description, s.HasMemory, s.CreatedAt);
}

public sealed record SnapshotCreateDto(string? Name, string? Description);

public static class SnapshotEndpoints
{
    public static RouteGroupBuilder MapSnapshotEndpoints(this RouteGroupBuilder api)
    {
        var snapshots = api.MapGroup("/machines/{id:guid}/snapshots").WithTags("Snapshots");

        snapshots.MapGet("/", async (Guid id, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
            new PageDto<SnapshotDto>((await service.ListSnapshotsAsync(user.ToCaller(), id, ct)).Select(SnapshotDto.From).ToList(), null))
        .WithSummary("The machine's snapshots, oldest first.")
        .Produces<PageDto<SnapshotDto>>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        snapshots.MapPost("/", async (Guid id, SnapshotCreateDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            var snapshot = await service.CreateSnapshotAsync(user.ToCaller(), id, body?.Name, body?.Description, ct);
            return Results.Created($"/api/v1/machines/{id}/snapshots/{snapshot.Id}", SnapshotDto.From(snapshot));
        })
        .WithSummary("Snapshot the machine (running, paused or stopped): its disk, and its memory when it runs; within the snapshot quota.")
        .Produces<SnapshotDto>(StatusCodes.Status201Created)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        snapshots.MapPost("/{sid:guid}/revert", async (Guid id, Guid sid, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
            MachineDto.From(await service.RevertSnapshotAsync(user.ToCaller(), id, sid, ct)))
        .WithSummary("Return the machine to the snapshot: what it did since is lost; it runs again if the snapshot saved its memory.")
        .Produces<MachineDto>()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        snapshots.MapDelete("/{sid:guid}", async (Guid id, Guid sid, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            await service.DeleteSnapshotAsync(user.ToCaller(), id, sid, ct);
            return Results.NoContent();
        })
        .WithSummary("Delete a snapshot; the machine keeps its current state.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

public sealed record RebuildDto(Guid? ImageId);

public static class RebuildEndpoints
{
    public static RouteGroupBuilder MapRebuildEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/machines/{id:guid}/rebuild", async (Guid id, RebuildDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
            MachineDto.From(await service.RebuildAsync(user.ToCaller(), id, body?.ImageId, ct)))
        .WithTags("Machines")
        .WithSummary("Rebuild the machine's disk from an image (its own by default, or imageId): same id, name, size, NICs and cloud-init seed; " +
            "a running machine is powered off and started again; its snapshots are dropped with the old disk.")
        .Produces<MachineDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

public sealed record CloneDto(string? Name, Guid? SnapshotId);

public static class CloneEndpoints
{
    public static RouteGroupBuilder MapCloneEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/machines/{id:guid}/clone", async (Guid id, CloneDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
        {
            var (machine, operation) = await service.CloneAsync(user.ToCaller(), id, body?.Name, body?.SnapshotId, ct);
            return Results.Accepted($"/api/v1/operations/{operation.Id}", MachineDto.From(machine, operation.Id));
        })
        .WithTags("Machines")
        .WithSummary("Clone a stopped machine: a new machine (name) of the same size, network and security group on the same host, with a full " +
            "copy of its disk, or of the disk as its snapshot snapshotId left it; 202 with the new machine and its create operation, as a create.")
        .Produces<MachineDto>(StatusCodes.Status202Accepted)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

public sealed record GrowDiskDto(int? SizeGiB);

public static class GrowDiskEndpoints
{
    public static RouteGroupBuilder MapGrowDiskEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/machines/{id:guid}/grow-disk", async (Guid id, GrowDiskDto? body, ClaimsPrincipal user, MachineService service, CancellationToken ct) =>
            MachineDto.From(await service.GrowDiskAsync(user.ToCaller(), id, body?.SizeGiB, ct)))
        .WithTags("Machines")
        .WithSummary("Grow the machine's root disk to sizeGiB (never shrink; within the per-machine disk cap, the growth counted in the tenant's " +
            "disk quota): a running guest sees it at once.")
        .Produces<MachineDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}
