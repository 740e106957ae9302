using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Web.Tests.Infrastructure;

/// <summary>
/// The whole portal in memory on a fresh temporary data directory (deleted on dispose), registering
/// <paramref name="localHostUri"/> as its first host.
/// </summary>
public sealed class PortalFactory(string localHostUri) : WebApplicationFactory<Program>
{
    public const string TestUri = "test:///default";
    public const string SystemUri = "qemu:///system";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("cloudportal-web-tests-").FullName;
    public string AdminPassword { get; } = "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(10)).ToLowerInvariant();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("CLOUDPORTAL_DATA_DIR", DataDirectory);
        builder.UseSetting("CLOUDPORTAL_ADMIN_PASSWORD", AdminPassword);
        builder.UseSetting("CloudPortal:LocalHostUri", localHostUri);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    /// <summary>A client without any credentials that does not follow redirects.</summary>
    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public async Task<string> TokenAsync(string username, string password)
    {
        using var client = Anonymous();
        using var response = await client.PostAsJsonAsync("/api/v1/tokens", new { username, password });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("token").GetString()!;
    }

    public async Task<HttpClient> ClientForAsync(string username, string password)
    {
        var token = await TokenAsync(username, password);
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> AdminAsync() => ClientForAsync("admin", AdminPassword);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>A started portal with an administrator's client and its first host connected; one per test class.</summary>
public abstract class PortalFixture(string localHostUri) : IAsyncLifetime
{
    public PortalFactory Factory { get; } = new(localHostUri);
    public HttpClient Admin { get; private set; } = default!;
    public JsonElement Host { get; private set; }

    /// <summary>
    /// How long the first host may take to connect: its KVM probe asks libvirtd for KVM domain capabilities, which a
    /// loaded machine (several test runs, guests under TCG) has been seen to take 30-60 s to answer.
    /// </summary>
    protected virtual TimeSpan ConnectTimeout => TimeSpan.FromSeconds(60);

    public virtual async Task InitializeAsync()
    {
        Admin = await Factory.AdminAsync();
        Host = await PortalApi.WaitHostStateAsync(Admin, h => h.GetProperty("uri").GetString() == localHostUri, "connected", ConnectTimeout);
    }

    public virtual async Task DisposeAsync()
    {
        Admin?.Dispose();
        await Factory.DisposeAsync();
    }
}

/// <summary>A portal on libvirt's in-memory test driver (shared by the whole test process: use unique names).</summary>
public sealed class TestDriverPortal() : PortalFixture(PortalFactory.TestUri);
