namespace CloudPortal.Core.Common;

/// <summary>
/// Who is asking: every query and libvirt action is scoped by it. <see cref="Role"/> is the caller's role in
/// <see cref="TenantId"/> (cloud administrators are "admin" everywhere); <see cref="Address"/> is the client's
/// network address, for the audit log.
/// </summary>
public sealed record Caller(Guid UserId, string Username, Guid TenantId, string Role, string? Address = null)
{
    public bool IsAdmin => Role == Roles.Admin;
}

public static class Roles
{
    public const string Admin = "admin";
    public const string TenantAdmin = "tenant-admin";
    public const string Member = "member";
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Admin, TenantAdmin, Member, Viewer];

    /// <summary>Viewers look; everyone else may change machines.</summary>
    public static bool MayChangeMachines(string role) => role is Admin or TenantAdmin or Member;
}

public static class DefaultTenant
{
    /// <summary>Fixed so that the first migration can create it and code can name it.</summary>
    public static readonly Guid Id = Guid.Parse("00000000-0000-0000-0000-000000000001");
    public const string Name = "default";
}
