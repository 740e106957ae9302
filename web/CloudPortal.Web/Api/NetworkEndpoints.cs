using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Networks;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public sealed record NetworkDto(Guid Id, string Name, string Mode, string Cidr, string Gateway, bool IsDefault, int Machines, DateTimeOffset CreatedAt)
{
    public static NetworkDto From(TenantNetwork n) => new(n.Id, n.Name, n.Mode, n.Cidr,
        SubnetPool.Gateway(System.Net.IPNetwork.Parse(n.Cidr)).ToString(), n.IsDefault, n.Machines, n.CreatedAt);
}

public sealed record NetworkCreateDto(string? Name, string? Mode);

public sealed record SecurityRuleDto(Guid Id, string Protocol, int? PortFrom, int? PortTo, string? SourceCidr, Guid? SourceGroupId)
{
    public static SecurityRuleDto From(SecurityGroupRule r) => new(r.Id, r.Protocol, r.PortFrom, r.PortTo, r.SourceCidr, r.SourceGroupId);
}

public sealed record SecurityGroupDto(Guid Id, string Name, bool IsDefault, IReadOnlyList<SecurityRuleDto> Rules, DateTimeOffset CreatedAt)
{
    public static SecurityGroupDto From(SecurityGroup g) => new(g.Id, g.Name, g.IsDefault, g.Rules.Select(SecurityRuleDto.From).ToList(), g.CreatedAt);
}

public sealed record SecurityGroupCreateDto(string? Name);

public sealed record SecurityRuleCreateDto(string? Protocol, int? PortFrom, int? PortTo, string? SourceCidr, Guid? SourceGroupId);

public static class NetworkEndpoints
{
    public static RouteGroupBuilder MapNetworkEndpoints(this RouteGroupBuilder api)
    {
        var networks = api.MapGroup("/networks").WithTags("Networks");
        networks.MapGet("/", async (int? limit, string? cursor, ClaimsPrincipal user, NetworkService service, CancellationToken ct) =>
        {
            var page = await service.ListAsync(user.ToCaller(), PageRequest.Create(limit, cursor), ct);
            return new PageDto<NetworkDto>(page.Items.Select(NetworkDto.From).ToList(), page.Next);
        }).WithSummary("The caller's tenant's networks, by name; the first look creates the tenant's default private network.");
        networks.MapPost("/", async (NetworkCreateDto? body, ClaimsPrincipal user, NetworkService service, CancellationToken ct) =>
        {
            var network = await service.CreateAsync(user.ToCaller(), body?.Name, body?.Mode, ct);
            return Results.Created($"/api/v1/networks/{network.Id}", NetworkDto.From(network));
        }).WithSummary("Create a private network, mode nat or isolated, with its own /24 from the portal's pool.")
            .Produces<NetworkDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        networks.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, NetworkService service, CancellationToken ct) =>
            NetworkDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("One network.").ProducesProblem(StatusCodes.Status404NotFound);
        networks.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, NetworkService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        }).WithSummary("Delete a network and its bridges; 409 names the machines still on it.").ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    public static RouteGroupBuilder MapSecurityGroupEndpoints(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/security-groups").WithTags("Networks");
        groups.MapGet("/", async (ClaimsPrincipal user, SecurityGroupService service, CancellationToken ct) =>
            new PageDto<SecurityGroupDto>((await service.ListAsync(user.ToCaller(), ct)).Select(SecurityGroupDto.From).ToList(), null))
            .WithSummary("The caller's tenant's security groups with their rules; the first look creates the default group.");
        groups.MapPost("/", async (SecurityGroupCreateDto? body, ClaimsPrincipal user, SecurityGroupService service, CancellationToken ct) =>
        {
            var group = await service.CreateAsync(user.ToCaller(), body?.Name, ct);
            return Results.Created($"/api/v1/security-groups/{group.Id}", SecurityGroupDto.From(group));
        }).WithSummary("Create a security group: no rules, so everything inbound is dropped until rules allow it.")
            .Produces<SecurityGroupDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        groups.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, SecurityGroupService service, CancellationToken ct) =>
            SecurityGroupDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("One security group with its rules.").ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, SecurityGroupService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        }).WithSummary("Delete a security group; 409 while machines use it or other groups' rules name it.").ProducesProblem(StatusCodes.Status409Conflict);
        groups.MapPost("/{id:guid}/rules", async (Guid id, SecurityRuleCreateDto? body, ClaimsPrincipal user, SecurityGroupService service, CancellationToken ct) =>
        {
            var group = await service.AddRuleAsync(user.ToCaller(), id,
                new SecurityRuleRequest(body?.Protocol, body?.PortFrom, body?.PortTo, body?.SourceCidr, body?.SourceGroupId), ct);
            return Results.Created($"/api/v1/security-groups/{id}", SecurityGroupDto.From(group));
        }).WithSummary("Allow inbound traffic: protocol tcp/udp/icmp/all, ports for tcp/udp, from a CIDR or a group; running machines get it at once.")
            .Produces<SecurityGroupDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapDelete("/{id:guid}/rules/{ruleId:guid}", async (Guid id, Guid ruleId, ClaimsPrincipal user, SecurityGroupService service, CancellationToken ct) =>
        {
            await service.RemoveRuleAsync(user.ToCaller(), id, ruleId, ct);
            return Results.NoContent();
        }).WithSummary("Remove a rule; running machines lose it at once.").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
