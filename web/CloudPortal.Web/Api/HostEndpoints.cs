using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public static class HostEndpoints
{
    public static RouteGroupBuilder MapHostEndpoints(this RouteGroupBuilder api)
    {
        var hosts = api.MapGroup("/hosts").WithTags("Hosts");

        hosts.MapGet("/", async (int? limit, string? cursor, HostService service, CancellationToken ct) =>
        {
            var page = PageRequest.Create(limit, cursor);
            var all = (await service.ListAsync(ct)).Select(HostDto.From).ToList();
            var start = 0;
            if (page.Cursor is not null)
            {
                if (!Guid.TryParse(page.Cursor, out var after) || all.FindIndex(h => h.Id == after) is var index && index < 0)
                    throw ValidationFailedException.For("cursor", "cursor is not one this API handed out.");
                start = all.FindIndex(h => h.Id == after) + 1;
            }
            var items = all.Skip(start).Take(page.Limit).ToList();
            var next = start + items.Count < all.Count ? items[^1].Id.ToString() : null;
            return new PageDto<HostDto>(items, next);
        }).WithSummary("List hosts with their connection state, virtualization (kvm/tcg) and capacity.");

        hosts.MapGet("/{id:guid}", async (Guid id, HostService service, CancellationToken ct) =>
            HostDto.From(await service.GetAsync(id, ct)))
            .WithSummary("One host.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        hosts.MapPost("/", async (HostCreateDto? body, ClaimsPrincipal user, HostService service, CancellationToken ct) =>
        {
            var view = await service.AddAsync(user.ToCaller(), body?.Name, body?.Uri, ct);
            return Results.Created($"/api/v1/hosts/{view.Host.Id}", HostDto.From(view));
        })
        .WithSummary("Register a libvirt host by URI (admin). It is connected in the background; unreachable hosts are retried.")
        .Produces<HostDto>(StatusCodes.Status201Created)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status409Conflict);

        hosts.MapPatch("/{id:guid}", async (Guid id, HostPatchDto? body, ClaimsPrincipal user, HostService service, CancellationToken ct) =>
        {
            var patch = body is null ? new HostCapacityPatch()
                : new HostCapacityPatch(body.Maintenance, body.CpuOvercommit, body.MemoryOvercommit, body.ReservedMemoryMiB, body.Labels);
            return HostDto.From(await service.UpdateAsync(user.ToCaller(), id, patch, ct));
        })
        .WithSummary("Set a host's maintenance flag, CPU and memory overcommit ratios (0.1..32), reserved memory and labels (admin).")
        .Produces<HostDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound);

        hosts.MapPut("/{id:guid}/tenants/{tenantId:guid}", async (Guid id, Guid tenantId, ClaimsPrincipal user, CloudPortal.Core.Placement.TrustService service, CancellationToken ct) =>
        {
            await service.AssignHostAsync(user.ToCaller(), id, tenantId, ct);
            return Results.NoContent();
        })
        .WithSummary("Assign a host to a tenant; while the tenant is dedicated, its machines go only there and nobody else's do (admin).")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        hosts.MapDelete("/{id:guid}/tenants/{tenantId:guid}", async (Guid id, Guid tenantId, ClaimsPrincipal user, CloudPortal.Core.Placement.TrustService service, CancellationToken ct) =>
        {
            await service.UnassignHostAsync(user.ToCaller(), id, tenantId, ct);
            return Results.NoContent();
        })
        .WithSummary("Remove a host's assignment to a tenant (admin).")
        .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
