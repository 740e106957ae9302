using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Tenancy;

namespace CloudPortal.Core.Accounts;

/// <summary>A user as an administrator sees it: with every tenant it belongs to.</summary>
public sealed record UserView(User User, IReadOnlyList<Membership> Memberships);

/// <summary>A new API key: the secret is in <see cref="Key"/> and is never shown again.</summary>
public sealed record CreatedApiKey(ApiToken Token, string Key);

/// <summary>
/// Users and memberships. Cloud administrators manage everyone; a tenant-admin manages the members of the
/// tenant it acts in; everyone manages their own password and API keys.
/// </summary>
public sealed class UserService(
    IUserStore users,
    ITenantStore tenants,
    IMembershipStore memberships,
    ITokenStore tokens,
    IPasswordHashing passwords,
    AccessResolver access, IAuditLog audit)
{
    public const int DefaultApiKeyDays = 365;
    public const int MaxApiKeyDays = 730;

    public async Task<IReadOnlyList<UserView>> ListAsync(Caller caller, CancellationToken ct)
    {
        EnsureManagesMembers(caller);
        var list = await users.ListAsync(caller.IsAdmin ? null : caller.TenantId, ct);
        var views = new List<UserView>(list.Count);
        foreach (var user in list)
            views.Add(new UserView(user, await VisibleMembershipsAsync(caller, user.Id, ct)));
        return views;
    }

    public async Task<UserView> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var user = await users.GetAsync(id, ct);
        var visible = user is not null && (caller.UserId == id || caller.IsAdmin
            || (caller.Role == Roles.TenantAdmin && await memberships.GetRoleAsync(id, caller.TenantId, ct) is not null));
        if (!visible)
            throw new NotFoundException($"User {id} was not found.");
        return new UserView(user!, await VisibleMembershipsAsync(caller, id, ct));
    }

    /// <summary>Creates a user in a tenant. Tenant-admins create users only in their own tenant and never administrators.</summary>
    public Task<UserView> CreateAsync(Caller caller, string? username, string? password, Guid? tenantId, string? role, CancellationToken ct) =>
        audit.RunAsync(caller, "user.create", "user", null, username, () => CreateCoreAsync(caller, username, password, tenantId, role, ct),
            v => $"id {v.User.Id}, {role} in tenant {tenantId}", ct);

    private async Task<UserView> CreateCoreAsync(Caller caller, string? username, string? password, Guid? tenantId, string? role, CancellationToken ct)
    {
        EnsureManagesMembers(caller);
        var errors = new ValidationErrors();
        AccountRules.ValidateUsername(username, errors);
        AccountRules.ValidatePassword("password", password, errors);
        AccountRules.ValidateTenantRole("role", role, allowAdmin: caller.IsAdmin, errors);
        if (tenantId is null)
            errors.Add("tenantId", "tenantId is required.");
        errors.ThrowIfAny();
        await EnsureManagesTenantAsync(caller, tenantId!.Value, ct);
        var user = new User
        {
            Id = Guid.NewGuid(),
            Username = username!,
            PasswordHash = passwords.Hash(password!),
            Role = role!,
            TenantId = tenantId.Value,
            CreatedAt = Clock.Now(),
        };
        await users.InsertAsync(user, ct);
        return await GetAsync(caller, user.Id, ct);
    }

    public Task<UserView> UpdateAsync(Caller caller, Guid id, bool? disabled, bool? isAdmin, string? newPassword, CancellationToken ct) =>
        audit.RunAsync(caller, "user.update", "user", id.ToString(), null, () => UpdateCoreAsync(caller, id, disabled, isAdmin, newPassword, ct),
            v => $"{v.User.Username}: disabled={v.User.Disabled}, admin={v.User.IsAdmin}{(newPassword is null ? "" : ", password reset")}", ct);

    private async Task<UserView> UpdateCoreAsync(Caller caller, Guid id, bool? disabled, bool? isAdmin, string? newPassword, CancellationToken ct)
    {
        EnsureAdmin(caller);
        var view = await GetAsync(caller, id, ct);
        var errors = new ValidationErrors();
        if (newPassword is not null)
            AccountRules.ValidatePassword("password", newPassword, errors);
        errors.ThrowIfAny();
        if (id == caller.UserId && (disabled == true || isAdmin == false))
            throw new ConflictException("You cannot disable yourself or take away your own administrator role.");
        if (disabled is { } d && d != view.User.Disabled)
        {
            await users.SetDisabledAsync(id, d, ct);
            if (d)
                await tokens.RevokeAllAsync(id, Clock.Now(), ct);
        }
        if (isAdmin is { } a && a != view.User.IsAdmin)
            await users.SetAdminAsync(id, a, ct);
        if (newPassword is not null)
        {
            await users.SetPasswordHashAsync(id, passwords.Hash(newPassword), ct);
            await tokens.RevokeAllAsync(id, Clock.Now(), ct);
        }
        return await GetAsync(caller, id, ct);
    }

    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "user.delete", "user", id.ToString(), null, () => DeleteCoreAsync(caller, id, ct), ct);

    private async Task DeleteCoreAsync(Caller caller, Guid id, CancellationToken ct)
    {
        EnsureAdmin(caller);
        await GetAsync(caller, id, ct);
        if (id == caller.UserId)
            throw new ConflictException("You cannot delete yourself.");
        await users.DeleteAsync(id, ct);
    }

    public async Task<IReadOnlyList<Membership>> ListMembersAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        await EnsureSeesTenantAsync(caller, tenantId, ct);
        return await memberships.ListByTenantAsync(tenantId, ct);
    }

    /// <summary>Adds a user to a tenant or changes its role there.</summary>
    public Task<Membership> SetMemberAsync(Caller caller, Guid tenantId, Guid userId, string? role, CancellationToken ct) =>
        audit.RunAsync(caller, "member.set", "user", userId.ToString(), null, () => SetMemberCoreAsync(caller, tenantId, userId, role, ct),
            m => $"{m.Username} is {m.Role} in {m.TenantName}", ct);

    private async Task<Membership> SetMemberCoreAsync(Caller caller, Guid tenantId, Guid userId, string? role, CancellationToken ct)
    {
        await EnsureManagesTenantAsync(caller, tenantId, ct);
        var errors = new ValidationErrors();
        AccountRules.ValidateTenantRole("role", role, allowAdmin: false, errors);
        errors.ThrowIfAny();
        var current = await memberships.GetRoleAsync(userId, tenantId, ct);
        // Only cloud administrators bring users into a tenant they are not in yet: a tenant-admin could otherwise
        // probe other tenants' user ids and pull their users in. Tenant-admins create new users instead.
        var user = (current is null && !caller.IsAdmin ? null : await users.GetAsync(userId, ct))
            ?? throw new NotFoundException($"User {userId} was not found.");
        if (current == Roles.TenantAdmin && role != Roles.TenantAdmin)
            await EnsureAnotherTenantAdminAsync(tenantId, userId, ct);
        await memberships.SetAsync(user.Id, tenantId, role!, ct);
        return (await memberships.ListByTenantAsync(tenantId, ct)).Single(m => m.UserId == userId);
    }

    public Task RemoveMemberAsync(Caller caller, Guid tenantId, Guid userId, CancellationToken ct) =>
        audit.RunAsync(caller, "member.remove", "user", userId.ToString(), null, () => RemoveMemberCoreAsync(caller, tenantId, userId, ct), ct);

    private async Task RemoveMemberCoreAsync(Caller caller, Guid tenantId, Guid userId, CancellationToken ct)
    {
        await EnsureManagesTenantAsync(caller, tenantId, ct);
        var current = await memberships.GetRoleAsync(userId, tenantId, ct) ?? throw new NotFoundException($"User {userId} is not a member of this tenant.");
        if (current == Roles.TenantAdmin)
            await EnsureAnotherTenantAdminAsync(tenantId, userId, ct);
        await memberships.RemoveAsync(userId, tenantId, ct);
    }

    public Task ChangeOwnPasswordAsync(Caller caller, string? currentPassword, string? newPassword, CancellationToken ct) =>
        audit.RunAsync(caller, "account.password", "user", caller.UserId.ToString(), caller.Username,
            () => ChangeOwnPasswordCoreAsync(caller, currentPassword, newPassword, ct), ct);

    private async Task ChangeOwnPasswordCoreAsync(Caller caller, string? currentPassword, string? newPassword, CancellationToken ct)
    {
        var user = await users.GetAsync(caller.UserId, ct) ?? throw new NotFoundException("Your account no longer exists.");
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(currentPassword) || !passwords.Verify(user, currentPassword))
            errors.Add("currentPassword", "the current password is wrong.");
        AccountRules.ValidatePassword("newPassword", newPassword, errors);
        if (newPassword is not null && newPassword == currentPassword)
            errors.Add("newPassword", "the new password must differ from the current one.");
        errors.ThrowIfAny();
        await users.SetPasswordHashAsync(user.Id, passwords.Hash(newPassword!), ct);
    }

    public async Task<IReadOnlyList<ApiToken>> ListApiKeysAsync(Caller caller, CancellationToken ct) =>
        await tokens.ListApiKeysAsync(caller.UserId, ct);

    /// <summary>A named key acting in one tenant the caller may act in; the secret is returned once.</summary>
    public Task<CreatedApiKey> CreateApiKeyAsync(Caller caller, string? name, Guid? tenantId, int? expiresInDays, CancellationToken ct) =>
        audit.RunAsync(caller, "apikey.create", "apikey", null, name, () => CreateApiKeyCoreAsync(caller, name, tenantId, expiresInDays, ct),
            k => $"id {k.Token.Id}, tenant {k.Token.TenantId}, expires {k.Token.ExpiresAt:yyyy-MM-dd}", ct);

    private async Task<CreatedApiKey> CreateApiKeyCoreAsync(Caller caller, string? name, Guid? tenantId, int? expiresInDays, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        AccountRules.ValidateKeyName(name, errors);
        if (expiresInDays is < 1 or > MaxApiKeyDays)
            errors.Add("expiresInDays", $"expiresInDays must be between 1 and {MaxApiKeyDays}.");
        errors.ThrowIfAny();
        var acting = await access.ResolveAsync(caller.UserId, tenantId ?? caller.TenantId, caller.Address, ct)
            ?? throw new NotFoundException("Your account no longer exists.");
        var now = Clock.Now();
        var key = TokenSecrets.New();
        var token = new ApiToken
        {
            Id = Guid.NewGuid(),
            TokenHash = TokenSecrets.Hash(key),
            UserId = caller.UserId,
            TenantId = acting.TenantId,
            CreatedAt = now,
            ExpiresAt = now.AddDays(expiresInDays ?? DefaultApiKeyDays),
            Kind = TokenKinds.ApiKey,
            Name = name!.Trim(),
        };
        await tokens.InsertAsync(token, ct);
        return new CreatedApiKey(token, key);
    }

    public Task RevokeApiKeyAsync(Caller caller, Guid keyId, CancellationToken ct) =>
        audit.RunAsync(caller, "apikey.revoke", "apikey", keyId.ToString(), null, () => RevokeApiKeyCoreAsync(caller, keyId, ct), ct);

    private async Task RevokeApiKeyCoreAsync(Caller caller, Guid keyId, CancellationToken ct)
    {
        if (!await tokens.RevokeApiKeyAsync(caller.UserId, keyId, Clock.Now(), ct))
            throw new NotFoundException($"API key {keyId} was not found.");
    }

    private async Task<IReadOnlyList<Membership>> VisibleMembershipsAsync(Caller caller, Guid userId, CancellationToken ct)
    {
        var all = await memberships.ListByUserAsync(userId, ct);
        // A tenant-admin sees a user's membership of its own tenant, not which other tenants the user belongs to.
        return caller.IsAdmin || caller.UserId == userId ? all : all.Where(m => m.TenantId == caller.TenantId).ToList();
    }

    private async Task EnsureAnotherTenantAdminAsync(Guid tenantId, Guid leaving, CancellationToken ct)
    {
        var members = await memberships.ListByTenantAsync(tenantId, ct);
        if (!members.Any(m => m.Role == Roles.TenantAdmin && m.UserId != leaving))
            throw new ConflictException("A tenant keeps at least one tenant-admin: make someone else tenant-admin first.");
    }

    private async Task EnsureSeesTenantAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        if (caller.IsAdmin ? await tenants.GetAsync(tenantId, ct) is null : caller.TenantId != tenantId)
            throw new NotFoundException($"Tenant {tenantId} was not found.");
    }

    private async Task EnsureManagesTenantAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        await EnsureSeesTenantAsync(caller, tenantId, ct);
        if (!caller.IsAdmin && caller.Role != Roles.TenantAdmin)
            throw new ForbiddenException("Only tenant-admins manage the members of a tenant.");
    }

    private static void EnsureManagesMembers(Caller caller)
    {
        if (!caller.IsAdmin && caller.Role != Roles.TenantAdmin)
            throw new ForbiddenException("Only administrators and tenant-admins manage users.");
    }

    private static void EnsureAdmin(Caller caller)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators change user accounts.");
    }
}
