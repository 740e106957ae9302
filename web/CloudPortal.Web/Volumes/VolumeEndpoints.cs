using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Volumes;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Api;

namespace CloudPortal.Web.Volumes;

public sealed record VolumeDto(Guid Id, string Name, Guid TenantId, Guid HostId, int SizeGiB, string State, Guid? MachineId, string? Target,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static VolumeDto From(Volume v) => new(v.Id, v.Name, v.TenantId, v.HostId, v.SizeGiB, v.State, v.MachineId, v.Target, v.CreatedAt, v.UpdatedAt);
}

public sealed record VolumeCreateDto(string? Name, int? SizeGiB, Guid? HostId);
public sealed record VolumeAttachDto(Guid? MachineId);
public sealed record VolumeGrowDto(int? SizeGiB);

public static class VolumeEndpoints
{
    public static RouteGroupBuilder MapVolumeEndpoints(this RouteGroupBuilder api)
    {
        var volumes = api.MapGroup("/volumes").WithTags("Volumes");

        volumes.MapGet("/", async (int? limit, string? cursor, string? filter, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
        {
            var page = await service.ListAsync(user.ToCaller(), PageRequest.Create(limit, cursor, filter), ct);
            return new PageDto<VolumeDto>(page.Items.Select(VolumeDto.From).ToList(), page.Next);
        })
        .WithSummary("The tenant's data volumes by name (?filter= matches the name); administrators see every tenant's.")
        .Produces<PageDto<VolumeDto>>();

        volumes.MapPost("/", async (VolumeCreateDto? body, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with name and sizeGiB is required.");
            var volume = await service.CreateAsync(user.ToCaller(), body.Name, body.SizeGiB, body.HostId, ct);
            return Results.Created($"/api/v1/volumes/{volume.Id}", VolumeDto.From(volume));
        })
        .WithSummary("Create an empty qcow2 data volume of sizeGiB on a host (hostId, or the first connected one), within the volume and disk quota.")
        .Produces<VolumeDto>(StatusCodes.Status201Created)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict);

        volumes.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
            VolumeDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
        .WithSummary("One volume.")
        .Produces<VolumeDto>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        volumes.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        })
        .WithSummary("Delete a volume and its data; refused (409, naming the machine) while it is attached.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        volumes.MapPost("/{id:guid}/attach", async (Guid id, VolumeAttachDto? body, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
        {
            if (body?.MachineId is not { } machineId)
                throw ValidationFailedException.For("machineId", "machineId is required.");
            return VolumeDto.From(await service.AttachAsync(user.ToCaller(), id, machineId, ct));
        })
        .WithSummary("Attach the volume to a machine on its host: hot-plugged into a running machine (and kept in its definition), " +
            "added to a stopped one's; the answer names the guest device (target).")
        .Produces<VolumeDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        volumes.MapPost("/{id:guid}/detach", async (Guid id, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
            VolumeDto.From(await service.DetachAsync(user.ToCaller(), id, ct)))
        .WithSummary("Detach the volume: state available, or detaching while the running guest has not released the device yet " +
            "(it becomes available when the guest lets go or stops).")
        .Produces<VolumeDto>()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        volumes.MapPost("/{id:guid}/grow", async (Guid id, VolumeGrowDto? body, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
            VolumeDto.From(await service.GrowAsync(user.ToCaller(), id, body?.SizeGiB, ct)))
        .WithSummary("Grow the volume to sizeGiB (never shrink), within the disk quota; a running guest sees the new size at once.")
        .Produces<VolumeDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/machines/{id:guid}/volumes", async (Guid id, ClaimsPrincipal user, VolumeService service, CancellationToken ct) =>
            (await service.ListForMachineAsync(user.ToCaller(), id, ct)).Select(VolumeDto.From).ToList())
        .WithTags("Volumes")
        .WithSummary("The data volumes attached to a machine.")
        .Produces<List<VolumeDto>>()
        .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
