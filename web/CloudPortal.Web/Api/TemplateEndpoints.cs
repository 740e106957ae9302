using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

/// <summary>A template; its SSH keys are listed by fingerprint-bearing key lines, its user-data in full.</summary>
public sealed record TemplateDto(Guid Id, Guid TenantId, string Name, string? Description, Guid? ImageId, int Vcpus, int MemoryMiB, int? DiskGiB,
    Guid? NetworkId, IReadOnlyList<string> SshKeys, string? UserData, IReadOnlyList<string> Labels, Guid? PlacementGroupId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static TemplateDto From(MachineTemplate t) => new(t.Id, t.TenantId, t.Name, t.Description, t.ImageId, t.Vcpus, t.MemoryMiB, t.DiskGiB,
        t.NetworkId, t.SshKeys, t.UserData, t.Labels, t.PlacementGroupId, t.CreatedAt, t.UpdatedAt);
}

public sealed record TemplateBody(string? Name, string? Description, string? ImageId, Guid? SizeId, int? Vcpus, int? MemoryMiB, int? DiskGiB,
    Guid? NetworkId, IReadOnlyList<Guid>? SshKeyIds, IReadOnlyList<string>? SshKeys, string? UserData, IReadOnlyList<string?>? Labels, Guid? PlacementGroupId)
{
    public TemplateRequest ToRequest() => new(Name, Description, ImageId, SizeId, Vcpus, MemoryMiB, DiskGiB, NetworkId, SshKeyIds, SshKeys, UserData,
        Labels, PlacementGroupId);
}

public sealed record TemplateLaunchDto(int? Count, string? NamePrefix);

public static class TemplateEndpoints
{
    public static RouteGroupBuilder MapTemplateEndpoints(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/templates").WithTags("Templates");

        templates.MapGet("/", async (ClaimsPrincipal user, TemplateService service, CancellationToken ct) =>
            new PageDto<TemplateDto>((await service.ListAsync(user.ToCaller(), ct)).Select(TemplateDto.From).ToList(), null))
        .WithSummary("The tenant's machine templates by name.")
        .Produces<PageDto<TemplateDto>>();

        templates.MapPost("/", async (TemplateBody? body, ClaimsPrincipal user, TemplateService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with name and a size (sizeId, or vcpus and memoryMiB) is required.");
            var template = await service.CreateAsync(user.ToCaller(), body.ToRequest(), ct);
            return Results.Created($"/api/v1/templates/{template.Id}", TemplateDto.From(template));
        })
        .WithSummary("Save a template: name, a size (sizeId or vcpus/memoryMiB), imageId, diskGiB, networkId, SSH keys (sshKeyIds from the " +
            "caller's profile, sshKeys as lines), userData, labels, placementGroupId; checked as a create is.")
        .Produces<TemplateDto>(StatusCodes.Status201Created)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict);

        templates.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, TemplateService service, CancellationToken ct) =>
            TemplateDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
        .WithSummary("One template.")
        .Produces<TemplateDto>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        templates.MapPut("/{id:guid}", async (Guid id, TemplateBody? body, ClaimsPrincipal user, TemplateService service, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with the whole template is required.");
            return TemplateDto.From(await service.UpdateAsync(user.ToCaller(), id, body.ToRequest(), ct));
        })
        .WithSummary("Replace a template as a whole (machines launched from it keep what they were made with).")
        .Produces<TemplateDto>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        templates.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, TemplateService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        })
        .WithSummary("Delete a template.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

        templates.MapPost("/{id:guid}/launch", async (Guid id, TemplateLaunchDto? body, ClaimsPrincipal user, TemplateService service, CancellationToken ct) =>
        {
            var result = await service.LaunchAsync(user.ToCaller(), id, body?.Count, body?.NamePrefix, ct);
            return Results.Accepted(null as string, new MachineBatchResultDto(
                result.Created.Select(c => MachineDto.From(c.Machine, c.Operation.Id)).ToList(), result.NotCreated));
        })
        .WithSummary("Launch count machines (1-50) named namePrefix-1..N (default prefix: the template's name); the whole launch is checked " +
            "against the quota first (409, nothing created). 202 with each machine and its create operation, and why any was not created.")
        .Produces<MachineBatchResultDto>(StatusCodes.Status202Accepted)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}
