using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
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

/// <summary>A host that still has the group's old rules: unreachable now, it gets the saved rules when it reconnects.</summary>
public sealed record PendingHostDto(Guid HostId, string Name, string Reason);

/// <summary>
/// The answer to a rule change: the group as saved, and the hosts not updated yet (empty when every host has it).
/// </summary>
public sealed record SecurityGroupChangeDto(Guid Id, string Name, bool IsDefault, IReadOnlyList<SecurityRuleDto> Rules, DateTimeOffset CreatedAt,
    IReadOnlyList<PendingHostDto> PendingHosts, string? Detail)
{
    public static async Task<SecurityGroupChangeDto> FromAsync(SecurityGroupChange change, IHostStore hosts, CancellationToken ct)
    {
        var pending = new List<PendingHostDto>();
        foreach (var host in change.PendingHosts)
            pending.Add(new PendingHostDto(host.HostId, (await hosts.GetAsync(host.HostId, ct))?.Name ?? host.HostId.ToString(), host.Reason));
        var g = change.Group;
        string? detail = pending.Count == 0 ? null
            : $"The change is saved and in force on every other host; host(s) {string.Join(", ", pending.Select(p => p.Name))} could not be updated now and will be when they reconnect.";
        return new(g.Id, g.Name, g.IsDefault, g.Rules.Select(SecurityRuleDto.From).ToList(), g.CreatedAt, pending, detail);
    }
}

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
        // A change some host could not take yet is still saved (the database is the truth) and answers 202 Accepted
        // naming those hosts: they converge when they reconnect. Otherwise 201 / 204 as before.
        groups.MapPost("/{id:guid}/rules", async (Guid id, SecurityRuleCreateDto? body, ClaimsPrincipal user, SecurityGroupService service, IHostStore hosts, CancellationToken ct) =>
        {
            var change = await service.AddRuleAsync(user.ToCaller(), id,
                new SecurityRuleRequest(body?.Protocol, body?.PortFrom, body?.PortTo, body?.SourceCidr, body?.SourceGroupId), ct);
            var dto = await SecurityGroupChangeDto.FromAsync(change, hosts, ct);
            return dto.PendingHosts.Count == 0
                ? Results.Created($"/api/v1/security-groups/{id}", dto)
                : Results.Accepted($"/api/v1/security-groups/{id}", dto);
        }).WithSummary("Allow inbound traffic: protocol tcp/udp/icmp/all, ports for tcp/udp, from a CIDR or a group; running machines get it at once. 202 with pendingHosts when some host is unreachable: it gets the rule when it reconnects.")
            .Produces<SecurityGroupChangeDto>(StatusCodes.Status201Created).Produces<SecurityGroupChangeDto>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        groups.MapDelete("/{id:guid}/rules/{ruleId:guid}", async (Guid id, Guid ruleId, ClaimsPrincipal user, SecurityGroupService service, IHostStore hosts, CancellationToken ct) =>
        {
            var change = await service.RemoveRuleAsync(user.ToCaller(), id, ruleId, ct);
            if (change.PendingHosts.Count == 0)
                return Results.NoContent();
            return Results.Accepted($"/api/v1/security-groups/{id}", await SecurityGroupChangeDto.FromAsync(change, hosts, ct));
        }).WithSummary("Remove a rule; running machines lose it at once. 202 with pendingHosts when some host is unreachable: it loses the rule when it reconnects.")
            .Produces(StatusCodes.Status204NoContent).Produces<SecurityGroupChangeDto>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
