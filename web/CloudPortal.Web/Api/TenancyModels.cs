using CloudPortal.Core.Accounts;
using CloudPortal.Core.Tenancy;

namespace CloudPortal.Web.Api;

/// <param name="PlacementMode">"pack" or "spread" when the tenant overrides the cloud's placement mode, else null.</param>
public sealed record TenantDto(Guid Id, string Name, bool Disabled, DateTimeOffset CreatedAt, string Isolation, string? PlacementMode)
{
    public static TenantDto From(Tenant t) => new(t.Id, t.Name, t.Disabled, t.CreatedAt, t.Isolation, t.PlacementMode);
}

public sealed record TenantCreateDto(string? Name);

/// <param name="PlacementMode">"pack", "spread", or "cloud" to follow the cloud's mode again.</param>
public sealed record TenantPatchDto(string? Name, bool? Disabled, string? Isolation, string? PlacementMode = null);

public sealed record MembershipDto(Guid UserId, string Username, Guid TenantId, string TenantName, string Role)
{
    public static MembershipDto From(Membership m) => new(m.UserId, m.Username, m.TenantId, m.TenantName, m.Role);
}

/// <summary>A user; <see cref="HomeTenantId"/> is null when the home tenant is one the caller may not see.</summary>
public sealed record UserDto(Guid Id, string Username, bool IsAdmin, bool Disabled, Guid? HomeTenantId, DateTimeOffset CreatedAt,
    IReadOnlyList<MembershipDto> Memberships)
{
    public static UserDto From(UserView v) => new(v.User.Id, v.User.Username, v.User.IsAdmin, v.User.Disabled,
        v.Memberships.Any(m => m.TenantId == v.User.TenantId) ? v.User.TenantId : null,
        v.User.CreatedAt, v.Memberships.Select(MembershipDto.From).ToList());
}

/// <summary>The contract's create body: role admin makes a cloud administrator (admins only).</summary>
public sealed record UserCreateDto(string? Username, string? Password, Guid? TenantId, string? Role);

public sealed record UserPatchDto(bool? Disabled, bool? IsAdmin, string? Password);

public sealed record MemberPutDto(string? Role);

public sealed record PasswordChangeDto(string? CurrentPassword, string? NewPassword);

public sealed record ApiKeyCreateDto(string? Name, Guid? TenantId, int? ExpiresInDays);

public sealed record ApiKeyDto(Guid Id, string? Name, Guid TenantId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string? Key = null)
{
    public static ApiKeyDto From(ApiToken t, string? key = null) =>
        new(t.Id, t.Name, t.TenantId, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt, key);
}

public sealed record MeDto(Guid UserId, string Username, Guid TenantId, string Role, IReadOnlyList<MembershipDto> Memberships);
