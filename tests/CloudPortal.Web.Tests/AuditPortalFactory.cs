using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests;

/// <summary>
/// The whole portal on a temporary data directory and libvirt's test:///default driver. TestServer has no peer
/// address, so a test names the client's address in the X-Test-Client-Address header.
/// </summary>
public sealed class AuditPortalFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "audit-admin-pw-1";
    public const string AddressHeader = "X-Test-Client-Address";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("cloudportal-web-audit-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("CLOUDPORTAL_DATA_DIR", _dataDirectory);
        builder.UseSetting("CLOUDPORTAL_ADMIN_PASSWORD", AdminPassword);
        builder.UseSetting("CloudPortal:LocalHostUri", "test:///default");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestClientAddress>());
    }

    public HttpClient ClientFrom(string address)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(AddressHeader, address);
        return client;
    }

    public async Task<HttpClient> SignedInAsync(string username, string password, string address)
    {
        var client = ClientFrom(address);
        var response = await client.PostAsJsonAsync("/api/v1/tokens", new { username, password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>A user made straight in the store: the users API belongs to another issue.</summary>
    public async Task CreateUserAsync(string username, string password, string role, Guid tenantId)
    {
        var users = Services.GetRequiredService<IUserStore>();
        var hashing = Services.GetRequiredService<PasswordHashing>();
        await users.InsertAsync(new User
        {
            Id = Guid.NewGuid(), Username = username, PasswordHash = hashing.Hash(password), Role = role, TenantId = tenantId, CreatedAt = Clock.Now(),
        }, CancellationToken.None);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
            return;
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A libvirt or SQLite handle that is still closing must not fail the run; the directory is under /tmp.
        }
    }

    private sealed class TestClientAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                if (http.Request.Headers.TryGetValue(AddressHeader, out var value) && IPAddress.TryParse(value, out var address))
                    http.Connection.RemoteIpAddress = address;
                return nextMiddleware(http);
            });
            next(app);
        };
    }
}
