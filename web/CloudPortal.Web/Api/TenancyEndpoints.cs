using System.Security.Claims;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Placement;
using CloudPortal.Core.Tenancy;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public static class TenancyEndpoints
{
    public static RouteGroupBuilder MapTenancyEndpoints(this RouteGroupBuilder api)
    {
        var tenants = api.MapGroup("/tenants").WithTags("Tenants");
        tenants.MapGet("/", async (ClaimsPrincipal user, TenantService service, CancellationToken ct) =>
            new PageDto<TenantDto>((await service.ListAsync(user.ToCaller(), ct)).Select(TenantDto.From).ToList(), null))
            .WithSummary("Tenants: all of them for administrators, the caller's own for everyone else.");
        tenants.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, TenantService service, CancellationToken ct) =>
            TenantDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("One tenant.").ProducesProblem(StatusCodes.Status404NotFound);
        tenants.MapPost("/", async (TenantCreateDto? body, ClaimsPrincipal user, TenantService service, CancellationToken ct) =>
        {
            var tenant = await service.CreateAsync(user.ToCaller(), body?.Name, ct);
            return Results.Created($"/api/v1/tenants/{tenant.Id}", TenantDto.From(tenant));
        }).WithSummary("Create a tenant (admin).").Produces<TenantDto>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        tenants.MapPatch("/{id:guid}", async (Guid id, TenantPatchDto? body, ClaimsPrincipal user, TenantService service, CancellationToken ct) =>
            TenantDto.From(await service.UpdateAsync(user.ToCaller(), id, body?.Name, body?.Disabled, body?.Isolation, body?.PlacementMode, ct)))
            .WithSummary("Rename, disable or enable a tenant, set its isolation (shared, exclusive or dedicated) or its placement mode (pack, spread or cloud) (admin).")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        tenants.MapPut("/{id:guid}/apart/{otherId:guid}", async (Guid id, Guid otherId, ClaimsPrincipal user, TrustService service, CancellationToken ct) =>
        {
            await service.KeepApartAsync(user.ToCaller(), id, otherId, ct);
            return Results.NoContent();
        }).WithSummary("Keep two tenants apart: no host runs machines of both (admin).").ProducesProblem(StatusCodes.Status409Conflict);
        tenants.MapDelete("/{id:guid}/apart/{otherId:guid}", async (Guid id, Guid otherId, ClaimsPrincipal user, TrustService service, CancellationToken ct) =>
        {
            await service.RemoveApartAsync(user.ToCaller(), id, otherId, ct);
            return Results.NoContent();
        }).WithSummary("Let two tenants share hosts again (admin).");
        tenants.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, TenantService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        }).WithSummary("Delete a tenant that owns nothing (admin); 409 names what it still owns.").ProducesProblem(StatusCodes.Status409Conflict);

        tenants.MapGet("/{id:guid}/members", async (Guid id, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
            new PageDto<MembershipDto>((await service.ListMembersAsync(user.ToCaller(), id, ct)).Select(MembershipDto.From).ToList(), null))
            .WithSummary("A tenant's members and their roles.");
        tenants.MapPut("/{id:guid}/members/{userId:guid}", async (Guid id, Guid userId, MemberPutDto? body, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
            MembershipDto.From(await service.SetMemberAsync(user.ToCaller(), id, userId, body?.Role, ct)))
            .WithSummary("Add a user to a tenant or change its role there (admin, tenant-admin).").ProducesValidationProblem();
        tenants.MapDelete("/{id:guid}/members/{userId:guid}", async (Guid id, Guid userId, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
        {
            await service.RemoveMemberAsync(user.ToCaller(), id, userId, ct);
            return Results.NoContent();
        }).WithSummary("Remove a user from a tenant (admin, tenant-admin).");

        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", async (ClaimsPrincipal user, UserService service, CancellationToken ct) =>
            new PageDto<UserDto>((await service.ListAsync(user.ToCaller(), ct)).Select(UserDto.From).ToList(), null))
            .WithSummary("Users: all for administrators, the tenant's members for a tenant-admin.");
        users.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
            UserDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("One user.").ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPost("/", async (UserCreateDto? body, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(user.ToCaller(), body?.Username, body?.Password, body?.TenantId, body?.Role, ct);
            return Results.Created($"/api/v1/users/{created.User.Id}", UserDto.From(created));
        }).WithSummary("Create a user in a tenant with a role (admin; tenant-admin in its own tenant).")
            .Produces<UserDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPatch("/{id:guid}", async (Guid id, UserPatchDto? body, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
            UserDto.From(await service.UpdateAsync(user.ToCaller(), id, body?.Disabled, body?.IsAdmin, body?.Password, ct)))
            .WithSummary("Disable, enable, make administrator or reset the password of a user (admin).");
        users.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        }).WithSummary("Delete a user that owns no machines (admin).").ProducesProblem(StatusCodes.Status409Conflict);

        var account = api.MapGroup("/account").WithTags("Account");
        account.MapGet("/", async (ClaimsPrincipal user, UserService service, CancellationToken ct) =>
        {
            var caller = user.ToCaller();
            var me = await service.GetAsync(caller, caller.UserId, ct);
            return new MeDto(caller.UserId, caller.Username, caller.TenantId, caller.Role, me.Memberships.Select(MembershipDto.From).ToList());
        }).WithSummary("Who the caller is, where it acts and the tenants it belongs to.");
        account.MapPost("/password", async (PasswordChangeDto? body, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
        {
            await service.ChangeOwnPasswordAsync(user.ToCaller(), body?.CurrentPassword, body?.NewPassword, ct);
            return Results.NoContent();
        }).WithSummary("Change the caller's own password.").ProducesValidationProblem();
        account.MapGet("/api-keys", async (ClaimsPrincipal user, UserService service, CancellationToken ct) =>
            new PageDto<ApiKeyDto>((await service.ListApiKeysAsync(user.ToCaller(), ct)).Select(t => ApiKeyDto.From(t)).ToList(), null))
            .WithSummary("The caller's API keys (never their secrets).");
        account.MapPost("/api-keys", async (ApiKeyCreateDto? body, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
        {
            var created = await service.CreateApiKeyAsync(user.ToCaller(), body?.Name, body?.TenantId, body?.ExpiresInDays, ct);
            return Results.Created($"/api/v1/account/api-keys/{created.Token.Id}", ApiKeyDto.From(created.Token, created.Key));
        }).WithSummary("Create a named API key acting in one tenant; the key is in the answer, once.")
            .Produces<ApiKeyDto>(StatusCodes.Status201Created).ProducesValidationProblem();
        account.MapDelete("/api-keys/{id:guid}", async (Guid id, ClaimsPrincipal user, UserService service, CancellationToken ct) =>
        {
            await service.RevokeApiKeyAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        }).WithSummary("Revoke one of the caller's API keys.");
        // Keys belong to the user: the profile's path, and the short one of the task list; both are the same handlers.
        MapSshKeys(account.MapGroup("/ssh-keys"), "/api/v1/account/ssh-keys");
        MapSshKeys(api.MapGroup("/ssh-keys").WithTags("Account"), "/api/v1/ssh-keys");
        return api;
    }

    private static void MapSshKeys(RouteGroupBuilder keys, string location)
    {
        keys.MapGet("/", async (ClaimsPrincipal user, CloudPortal.Core.CloudInit.SshKeyService service, CancellationToken ct) =>
            new PageDto<SshKeyDto>((await service.ListAsync(user.ToCaller(), ct)).Select(SshKeyDto.From).ToList(), null))
            .WithSummary("The SSH public keys in the caller's profile, offered at machine create.");
        keys.MapPost("/", async (SshKeyCreateDto? body, ClaimsPrincipal user, CloudPortal.Core.CloudInit.SshKeyService service, CancellationToken ct) =>
        {
            var key = await service.AddAsync(user.ToCaller(), body?.Name, body?.PublicKey, ct);
            return Results.Created($"{location}/{key.Id}", SshKeyDto.From(key));
        }).WithSummary("Add an SSH public key (an OpenSSH line: type, base64, comment) to the caller's profile; the answer has its SHA256 fingerprint.")
            .Produces<SshKeyDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        keys.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, CloudPortal.Core.CloudInit.SshKeyService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        }).WithSummary("Remove an SSH key from the caller's profile (machines that have it keep it).");
    }
}

public sealed record SshKeyCreateDto(string? Name, string? PublicKey);

public sealed record SshKeyDto(Guid Id, string Name, string PublicKey, string Fingerprint, DateTimeOffset CreatedAt)
{
    public static SshKeyDto From(CloudPortal.Core.CloudInit.SshKey k) => new(k.Id, k.Name, k.PublicKey, k.Fingerprint, k.CreatedAt);
}
