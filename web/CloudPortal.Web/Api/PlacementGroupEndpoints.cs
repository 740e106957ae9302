using System.Security.Claims;
using CloudPortal.Core.Placement;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public sealed record PlacementGroupDto(Guid Id, string Name, string Policy, bool Strict, int Members, DateTimeOffset CreatedAt)
{
    public static PlacementGroupDto From(PlacementGroup g) => new(g.Id, g.Name, g.Policy, g.Strict, g.Members, g.CreatedAt);
}

public sealed record PlacementGroupCreateDto(string? Name, string? Policy, bool? Strict);

public static class PlacementGroupEndpoints
{
    public static RouteGroupBuilder MapPlacementGroupEndpoints(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/placement-groups").WithTags("Placement");
        groups.MapGet("/", async (ClaimsPrincipal user, PlacementGroupService service, CancellationToken ct) =>
            new PageDto<PlacementGroupDto>((await service.ListAsync(user.ToCaller(), ct)).Select(PlacementGroupDto.From).ToList(), null))
            .WithSummary("The caller's tenant's placement groups.");
        groups.MapPost("/", async (PlacementGroupCreateDto? body, ClaimsPrincipal user, PlacementGroupService service, CancellationToken ct) =>
        {
            var group = await service.CreateAsync(user.ToCaller(), body?.Name, body?.Policy, body?.Strict, ct);
            return Results.Created($"/api/v1/placement-groups/{group.Id}", PlacementGroupDto.From(group));
        }).WithSummary("Create a placement group: affinity or anti-affinity, strict (a rule) or not (a preference).")
            .Produces<PlacementGroupDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        groups.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, PlacementGroupService service, CancellationToken ct) =>
            PlacementGroupDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("One placement group.").ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, PlacementGroupService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        }).WithSummary("Delete an empty placement group; 409 names the machines still in it.").ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}
