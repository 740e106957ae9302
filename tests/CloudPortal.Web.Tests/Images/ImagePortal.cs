using System.Net;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests.Images;

/// <summary>
/// A portal on the test driver with: a member and a viewer of the default tenant, a member of a second tenant, a
/// member of a third tenant whose disk quota is 0, and a directory of real image files.
/// </summary>
public sealed class ImagePortal() : PortalFixture(PortalFactory.TestUri)
{
    public const string Password = "image-test-password";

    public ImageFiles Files { get; } = new();
    public HttpClient Member { get; private set; } = default!;
    public HttpClient Viewer { get; private set; } = default!;
    public HttpClient Other { get; private set; } = default!;
    public Guid OtherTenantId { get; private set; }
    public HttpClient NoDisk { get; private set; } = default!;
    public HttpClient OneGiB { get; private set; } = default!;

    public string ImagesRoot => Path.Combine(Factory.DataDirectory, "images");
    public string TemporaryDirectory => Path.Combine(ImagesRoot, "tmp");
    public string BlobPath(string sha256) => Path.Combine(ImagesRoot, "sha256", sha256[..2], sha256);
    public int BlobCount() => Directory.EnumerateFiles(Path.Combine(ImagesRoot, "sha256"), "*", SearchOption.AllDirectories).Count();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var defaultTenant = Guid.Parse("00000000-0000-0000-0000-000000000001");
        Member = await UserClientAsync(defaultTenant, "member");
        Viewer = await UserClientAsync(defaultTenant, "viewer");
        OtherTenantId = await CreateTenantAsync("cpk-other");
        Other = await UserClientAsync(OtherTenantId, "member");
        var noDiskTenant = await CreateTenantAsync("cpk-nodisk");
        using (var quota = await Admin.PutAsync($"/api/v1/tenants/{noDiskTenant}/quota",
                   new StringContent("""{"diskGiB":0}""", System.Text.Encoding.UTF8, "application/json")))
            await quota.JsonAsync(HttpStatusCode.OK);
        NoDisk = await UserClientAsync(noDiskTenant, "member");
        var oneGiBTenant = await CreateTenantAsync("cpk-onegib");
        using (var quota = await Admin.PutAsync($"/api/v1/tenants/{oneGiBTenant}/quota",
                   new StringContent("""{"diskGiB":1}""", System.Text.Encoding.UTF8, "application/json")))
            await quota.JsonAsync(HttpStatusCode.OK);
        OneGiB = await UserClientAsync(oneGiBTenant, "member");
    }

    private async Task<Guid> CreateTenantAsync(string prefix)
    {
        using var response = await Admin.PostJsonAsync("/api/v1/tenants", JsonSerializer.Serialize(new { name = PortalApi.UniqueName(prefix) }));
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    private async Task<HttpClient> UserClientAsync(Guid tenantId, string role)
    {
        var username = PortalApi.UniqueName("cpk");
        using var response = await Admin.PostJsonAsync("/api/v1/users",
            JsonSerializer.Serialize(new { username, password = Password, tenantId, role }));
        await response.JsonAsync(HttpStatusCode.Created);
        return await Factory.ClientForAsync(username, Password);
    }

    public override async Task DisposeAsync()
    {
        Member?.Dispose();
        Viewer?.Dispose();
        Other?.Dispose();
        NoDisk?.Dispose();
        OneGiB?.Dispose();
        await base.DisposeAsync();
        Files.Dispose();
    }
}
