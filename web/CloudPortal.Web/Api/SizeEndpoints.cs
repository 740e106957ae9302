using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Sizes;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

/// <summary>A size: disk 0 is diskless; tenantId null is public.</summary>
public sealed record SizeDto(Guid Id, string Name, int Vcpus, int MemoryMiB, int DiskGiB, Guid? TenantId, DateTimeOffset CreatedAt)
{
    public static SizeDto From(Size s) => new(s.Id, s.Name, s.Vcpus, s.MemoryMiB, s.DiskGiB, s.TenantId, s.CreatedAt);
}

public sealed record SizeCreateDto(string? Name, int? Vcpus, int? MemoryMiB, int? DiskGiB, Guid? TenantId);

public static class SizeEndpoints
{
    public static RouteGroupBuilder MapSizeEndpoints(this RouteGroupBuilder api)
    {
        var sizes = api.MapGroup("/sizes").WithTags("Sizes");

        sizes.MapGet("/", async (int? limit, string? cursor, ClaimsPrincipal user, SizeService service, CancellationToken ct) =>
        {
            var page = await service.ListAsync(user.ToCaller(), PageRequest.Create(limit, cursor), ct);
            return new PageDto<SizeDto>(page.Items.Select(SizeDto.From).ToList(), page.Next);
        })
        .WithSummary("Sizes offered to the caller's tenant (public ones and its own), by name; administrators see every size.")
        .Produces<PageDto<SizeDto>>();

        sizes.MapPost("/", async (SizeCreateDto? body, ClaimsPrincipal user, SizeService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with name, vcpus and memoryMiB is required.");
            var size = await service.CreateAsync(user.ToCaller(), new SizeRequest(body.Name, body.Vcpus, body.MemoryMiB, body.DiskGiB, body.TenantId), ct);
            return Results.Created($"/api/v1/sizes/{size.Id}", SizeDto.From(size));
        })
        .WithSummary("Define a size (administrators): name, vcpus, memoryMiB, diskGiB (0 = diskless), tenantId for one tenant or none for public.")
        .Produces<SizeDto>(StatusCodes.Status201Created)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict);

        sizes.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, SizeService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        })
        .WithSummary("Delete a size (administrators); machines created with it keep their size.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
