using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests.Authorization;

/// <summary>One tenant's fixture objects: its users (by role), a running machine and that machine's create operation.</summary>
public sealed class TenantFixture
{
    public Guid Id { get; init; }
    public Dictionary<string, (Guid Id, string Username)> Users { get; } = [];
    public Dictionary<string, string> Tokens { get; } = [];
    public Guid MachineId { get; set; }
    public string MachineName { get; set; } = "";
    public Guid OperationId { get; set; }
    public Guid PlacementGroupId { get; set; }
    public Guid ImageId { get; set; }
    public string ImageName { get; set; } = "";
    public Guid NetworkId { get; set; }
    public Guid SecurityGroupId { get; set; }
    public Guid SecurityRuleId { get; set; }
    public Guid AlertRuleId { get; set; }
    public Guid VolumeId { get; set; }
    public Guid SnapshotId { get; set; }
    public Guid TemplateId { get; set; }
    /// <summary>A member who is no caller in the matrix: the "user" the users and members endpoints are tried on.</summary>
    public Guid PlainUserId => Users["plain"].Id;
}

/// <summary>
/// Tenants A and B made through the API by the cloud administrator, each with a tenant-admin, a member, a viewer and a
/// plain member; a running machine made by each tenant's member; an API key of B's member; a user of B's who is also a
/// member of A. The matrix calls as the
/// administrator and as A's tenant-admin, member and viewer. Webhooks may go to 127.0.0.0/8 (where the matrix points
/// them, at nothing) by the administrator's allow-list; the default policy refuses loopback.
/// </summary>
public sealed class AuthorizationPortal : PortalFixture
{
    public const string Password = "authz-matrix-password";

    public AuthorizationPortal() : base(PortalFactory.TestUri) =>
        Factory.ExtraConfiguration = builder => builder.UseSetting(CloudPortal.Core.Alerts.WebhookAddressPolicy.AllowedNetworksKey, "127.0.0.0/8");

    public TenantFixture A { get; private set; } = default!;
    public TenantFixture B { get; private set; } = default!;
    public string AdminToken { get; private set; } = default!;
    public Guid OtherUsersKeyId { get; private set; }
    public Guid OtherUsersSshKeyId { get; private set; }
    public (Guid Id, string Username) SharedUser { get; private set; }
    public HttpClient Client { get; private set; } = default!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Client = Factory.Anonymous();
        AdminToken = await Factory.TokenAsync("admin", Factory.AdminPassword);
        A = await CreateTenantAsync("a", ["tenant-admin", "member", "viewer"]);
        B = await CreateTenantAsync("b", ["member"]);

        // A user of B's who also belongs to A, as issue 4 allows: A's tenant-admin sees it, but not where else it belongs.
        SharedUser = await CreateUserAsync(B.Id, "member");
        using (var shared = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{A.Id}/members/{SharedUser.Id}", AdminToken, """{"role":"member"}"""))
            await shared.JsonAsync(HttpStatusCode.OK);

        using var key = await SendAsync(HttpMethod.Post, "/api/v1/account/api-keys", B.Tokens["member"], """{"name":"b member key"}""");
        OtherUsersKeyId = (await key.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var sshKey = await SendAsync(HttpMethod.Post, "/api/v1/account/ssh-keys", B.Tokens["member"],
            """{"name":"b member ssh","publicKey":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3mJoflaD+o+dsTSudGyG75RRNus1tTIFhoxbCXWzz+ b"}""");
        OtherUsersSshKeyId = (await sshKey.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public string TokenOf(string role) => role == "admin" ? AdminToken : A.Tokens[role];

    public (string Username, string Password) CredentialsOf(string role) =>
        role == "admin" ? ("admin", Factory.AdminPassword) : (A.Users[role].Username, Password);

    public TenantFixture TenantOf(string target) => target == "other" ? B : A;

    /// <summary>Ids and names of tenant B that no answer to a non-admin of tenant A may contain.</summary>
    public IEnumerable<string> OtherTenantMarks(bool namesOnly = false) =>
        (namesOnly ? [] : new[] { B.Id, B.MachineId, B.OperationId, B.PlacementGroupId, B.ImageId, B.NetworkId, B.SecurityGroupId, B.SecurityRuleId, B.AlertRuleId, B.VolumeId, B.SnapshotId, B.TemplateId, OtherUsersKeyId }.Select(g => g.ToString())
            .Concat(B.Users.Values.Select(u => u.Id.ToString())))
            .Concat(B.Users.Values.Select(u => u.Username))
            .Append(B.MachineName)
            .Append(B.ImageName);

    private async Task<TenantFixture> CreateTenantAsync(string prefix, string[] signedIn)
    {
        using var created = await SendAsync(HttpMethod.Post, "/api/v1/tenants", AdminToken, $$"""{"name":"{{PortalApi.UniqueName(prefix)}}"}""");
        var tenant = new TenantFixture { Id = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid() };
        foreach (var role in new[] { "tenant-admin", "member", "viewer", "plain" })
            tenant.Users[role] = await CreateUserAsync(tenant.Id, role == "plain" ? "member" : role);
        foreach (var role in signedIn)
            tenant.Tokens[role] = await Factory.TokenAsync(tenant.Users[role].Username, Password);

        tenant.MachineName = PortalApi.UniqueName("authz");
        (tenant.MachineId, tenant.OperationId) = await CreateRunningMachineAsync(tenant, tenant.MachineName);
        tenant.PlacementGroupId = await CreatePlacementGroupAsync(tenant);
        tenant.ImageName = PortalApi.UniqueName("authz-img");
        tenant.ImageId = await UploadImageAsync(tenant, tenant.ImageName);
        tenant.NetworkId = await CreateNetworkAsync(tenant);
        tenant.SecurityGroupId = await CreateSecurityGroupAsync(tenant);
        tenant.SecurityRuleId = await CreateSecurityRuleAsync(tenant);
        tenant.AlertRuleId = await CreateAlertRuleAsync(tenant);
        tenant.VolumeId = await CreateVolumeAsync(tenant);
        tenant.SnapshotId = await CreateSnapshotAsync(tenant);
        tenant.TemplateId = await CreateTemplateAsync(tenant);
        return tenant;
    }

    /// <summary>An SSH key added to the profile of the token's user; returns its id.</summary>
    public async Task<Guid> CreateSshKeyAsync(string token)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/account/ssh-keys", token,
            $$"""{"name":"{{PortalApi.UniqueName("key")}}","publicKey":"{{RandomEd25519Key()}}"}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>A well-formed ed25519 public key line with random key bytes: a profile takes each key once.</summary>
    public static string RandomEd25519Key()
    {
        var type = System.Text.Encoding.ASCII.GetBytes("ssh-ed25519");
        byte[] blob = [0, 0, 0, (byte)type.Length, .. type, 0, 0, 0, 32, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)];
        return "ssh-ed25519 " + Convert.ToBase64String(blob) + " test";
    }

    /// <summary>
    /// A snapshot record of the tenant's machine, through the real store: the test driver's machines have no disk to
    /// snapshot, and the endpoints' authorization is what is tried here.
    /// </summary>
    public async Task<Guid> CreateSnapshotAsync(TenantFixture tenant)
    {
        var id = Guid.NewGuid();
        await Factory.Services.GetRequiredService<CloudPortal.Core.Machines.ISnapshotStore>().InsertAsync(new CloudPortal.Core.Machines.MachineSnapshot
        {
            Id = id, MachineId = tenant.MachineId, TenantId = tenant.Id, Name = PortalApi.UniqueName("snap"), LibvirtName = "cp-" + id.ToString("N"),
            CreatedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);
        return id;
    }

    /// <summary>A small diskless template made by the tenant's member.</summary>
    public async Task<Guid> CreateTemplateAsync(TenantFixture tenant)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/templates", tenant.Tokens["member"],
            $$"""{"name":"{{PortalApi.UniqueName("tpl")}}","vcpus":1,"memoryMiB":64}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>A 1 GiB data volume made by the tenant's member.</summary>
    public async Task<Guid> CreateVolumeAsync(TenantFixture tenant)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/volumes", tenant.Tokens["member"],
            $$"""{"name":"{{PortalApi.UniqueName("vol")}}","sizeGiB":1}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>A tenant-wide CPU rule made by the tenant's member.</summary>
    public async Task<Guid> CreateAlertRuleAsync(TenantFixture tenant)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", tenant.Tokens["member"],
            $$"""{"name":"{{PortalApi.UniqueName("rule")}}","scope":"tenant","metric":"cpu","threshold":90,"durationSeconds":300}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>An isolated network made by the tenant's member (no machine on it, so it can be deleted).</summary>
    public async Task<Guid> CreateNetworkAsync(TenantFixture tenant)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/networks", tenant.Tokens["member"],
            $$"""{"name":"{{PortalApi.UniqueName("net")}}","mode":"isolated"}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public async Task<Guid> CreateSecurityGroupAsync(TenantFixture tenant)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/security-groups", tenant.Tokens["member"],
            $$"""{"name":"{{PortalApi.UniqueName("sg")}}"}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>A rule added to the tenant's fixture security group; returns the new rule's id.</summary>
    public async Task<Guid> CreateSecurityRuleAsync(TenantFixture tenant)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/v1/security-groups/{tenant.SecurityGroupId}/rules", tenant.Tokens["member"],
            """{"protocol":"tcp","portFrom":443,"sourceCidr":"0.0.0.0/0"}""");
        var rules = (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("rules").EnumerateArray().ToList();
        return rules[^1].GetProperty("id").GetGuid();
    }

    /// <summary>An empty soft anti-affinity group made by the tenant's member.</summary>
    public async Task<Guid> CreatePlacementGroupAsync(TenantFixture tenant)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/placement-groups", tenant.Tokens["member"],
            $$"""{"name":"{{PortalApi.UniqueName("pg")}}","policy":"anti-affinity","strict":false}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    /// <summary>A private raw image of the tenant, uploaded by its member.</summary>
    public async Task<Guid> UploadImageAsync(TenantFixture tenant, string? name = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/images", tenant.Tokens["member"],
            "{image-upload:" + (name ?? PortalApi.UniqueName("authz-img")) + "}");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public async Task<(Guid Id, string Username)> CreateUserAsync(Guid tenantId, string role)
    {
        var username = PortalApi.UniqueName("u");
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/users", AdminToken,
            JsonSerializer.Serialize(new { username, password = Password, tenantId, role }));
        return ((await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid(), username);
    }

    /// <summary>A machine made by the tenant's member, once its create operation has succeeded.</summary>
    public async Task<(Guid Machine, Guid Operation)> CreateRunningMachineAsync(TenantFixture tenant, string? name = null)
    {
        using var client = Factory.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Tokens["member"]);
        var machine = await client.CreateMachineAsync(name ?? PortalApi.UniqueName("authz"));
        var operationId = machine.GetProperty("operationId").GetString()!;
        var operation = await client.WaitOperationAsync(operationId, TimeSpan.FromSeconds(30));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"fixture machine not created: {operation}");
        return (machine.GetProperty("id").GetGuid(), Guid.Parse(operationId));
    }

    /// <summary>A public size defined by the administrator.</summary>
    public async Task<Guid> CreateSizeAsync()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/sizes", AdminToken,
            $$"""{"name":"{{PortalApi.UniqueName("size")}}","vcpus":1,"memoryMiB":64}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public async Task<Guid> CreateTenantAsync()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/tenants", AdminToken, $$"""{"name":"{{PortalApi.UniqueName("t")}}"}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public async Task<Guid> CreateApiKeyAsync(string token)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/account/api-keys", token, """{"name":"throw-away"}""");
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null && body.StartsWith("{image-upload:", StringComparison.Ordinal))
        {
            // Random sectors, so that every upload is its own content; 4 KiB is a whole number of sectors: a raw disk.
            var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096);
            // A zero first sector cannot carry another format's magic, so qemu-img always probes it as raw.
            Array.Clear(bytes, 0, 512);
            var disk = new ByteArrayContent(bytes);
            disk.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content = new MultipartFormDataContent
            {
                { new StringContent(body["{image-upload:".Length..^1]), "name" },
                { disk, "file", "disk.raw" },
            };
        }
        else if (body is not null)
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public override async Task DisposeAsync()
    {
        Client?.Dispose();
        await base.DisposeAsync();
    }
}
