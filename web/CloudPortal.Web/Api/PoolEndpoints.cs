using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Storage;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public sealed record PoolDto(
    string Id, Guid HostId, string Name, string? Type, string State, string? TargetPath,
    long CapacityBytes, long AllocationBytes, long AvailableBytes, double UsedPercent,
    bool NearlyFull, bool Autostart, bool PortalManaged)
{
    public static PoolDto From(PoolView p) => new(p.Id, p.HostId, p.Name, p.Type, p.State, p.TargetPath,
        p.CapacityBytes, p.AllocationBytes, p.AvailableBytes, Math.Round(p.UsedRatio * 100, 1), p.NearlyFull, p.Autostart, p.PortalManaged);
}

public sealed record PoolCreateDto(
    Guid? HostId, string? Name, string? Type, string? TargetPath,
    string? SourceDevice, string? SourceHost, string? SourcePath, string? SourceName);

public static class PoolEndpoints
{
    public static RouteGroupBuilder MapPoolEndpoints(this RouteGroupBuilder api)
    {
        var pools = api.MapGroup("/pools").WithTags("Storage");

        pools.MapGet("/", async (Guid? hostId, int? limit, string? cursor, ClaimsPrincipal user, PoolService service, CancellationToken ct) =>
        {
            var page = PageRequest.Create(limit, cursor);
            var all = (await service.ListAsync(user.ToCaller(), hostId, ct)).Select(PoolDto.From).ToList();
            var start = 0;
            if (page.Cursor is not null)
            {
                start = all.FindIndex(p => p.Id == page.Cursor) + 1;
                if (start == 0)
                    throw ValidationFailedException.For("cursor", "cursor is not one this API handed out.");
            }
            var items = all.Skip(start).Take(page.Limit).ToList();
            return new PageDto<PoolDto>(items, start + items.Count < all.Count ? items[^1].Id : null);
        }).WithSummary("List storage pools of every host (or ?hostId=) with capacity, allocation and free space (admin). A pool the portal defined that is gone from its host is 'missing'.");

        pools.MapPost("/", async (PoolCreateDto? body, ClaimsPrincipal user, PoolService service, CancellationToken ct) =>
        {
            var request = body is null ? new PoolRequest(null, null, null, null)
                : new PoolRequest(body.HostId, body.Name, body.Type, body.TargetPath, body.SourceDevice, body.SourceHost, body.SourcePath, body.SourceName);
            var pool = PoolDto.From(await service.CreateAsync(user.ToCaller(), request, ct));
            return Results.Created($"/api/v1/pools/{pool.HostId}/{Uri.EscapeDataString(pool.Name)}", pool);
        })
        .WithSummary("Define, build and start a dir, fs, netfs or logical pool on a host (admin).")
        .Produces<PoolDto>(StatusCodes.Status201Created)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict);

        pools.MapGet("/{hostId:guid}/{name}", async (Guid hostId, string name, ClaimsPrincipal user, PoolService service, CancellationToken ct) =>
            PoolDto.From(await service.GetAsync(user.ToCaller(), hostId, name, ct)))
            .WithSummary("One pool (admin).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        pools.MapGet("/{hostId:guid}/{name}/volumes", async (Guid hostId, string name, ClaimsPrincipal user, PoolService service, CancellationToken ct) =>
            await service.ListVolumesAsync(user.ToCaller(), hostId, name, ct))
            .WithSummary("The volumes (disks) of a running pool, with their backing files (admin).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        foreach (var (route, action) in new[] { ("start", PoolAction.Start), ("stop", PoolAction.Stop), ("refresh", PoolAction.Refresh) })
        {
            pools.MapPost($"/{{hostId:guid}}/{{name}}/{route}", async (Guid hostId, string name, ClaimsPrincipal user, PoolService service, CancellationToken ct) =>
                PoolDto.From(await service.ActAsync(user.ToCaller(), hostId, name, action, ct)))
                .WithSummary($"{char.ToUpperInvariant(route[0])}{route[1..]} a pool (admin); 409 when it is already in that state.")
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
        }

        pools.MapDelete("/{hostId:guid}/{name}", async (Guid hostId, string name, ClaimsPrincipal user, PoolService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), hostId, name, ct);
            return Results.NoContent();
        })
        .WithSummary("Remove an empty pool the portal defined from its host (admin); 409 while it holds volumes or when the portal did not define it.")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}
