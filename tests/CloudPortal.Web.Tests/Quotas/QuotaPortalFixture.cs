using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Data;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests.Quotas;

/// <summary>One in-process portal on a real SQLite file in a temporary directory, with test:///default as its host.</summary>
public sealed class QuotaPortalFixture : IAsyncLifetime
{
    public const string AdminPassword = "quota-tests-password";

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("cloudportal-quota-tests-").FullName;

    public WebApplicationFactory<Program> Factory { get; private set; } = default!;
    public IServiceProvider Services => Factory.Services;
    public Guid AdminId { get; private set; }

    public async Task InitializeAsync()
    {
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("CLOUDPORTAL_DATA_DIR", _dataDirectory);
            builder.UseSetting("CLOUDPORTAL_ADMIN_PASSWORD", AdminPassword);
            builder.UseSetting("CloudPortal:LocalHostUri", "test:///default");
        });
        _ = Factory.Server;
        var connections = Services.GetRequiredService<HostConnections>();
        var host = (await Services.GetRequiredService<IHostStore>().ListAsync(CancellationToken.None)).Single();
        if (!await connections.WaitConnectedAsync(host.Id, TimeSpan.FromSeconds(30), CancellationToken.None))
            throw new InvalidOperationException("test:///default did not connect.");
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        AdminId = Guid.Parse(await connection.ExecuteScalarAsync<string>("SELECT id FROM users WHERE username = 'admin'") ?? "");
    }

    public SqliteDatabase Database => Services.GetRequiredService<SqliteDatabase>();

    /// <summary>A fresh tenant (inserted directly: tenant creation belongs to the tenancy work) and a member acting in it.</summary>
    public async Task<Caller> NewTenantMemberAsync(string prefix)
    {
        var tenantId = Guid.NewGuid();
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("INSERT INTO tenants (id, name, created_at) VALUES (@id, @name, @now)",
            new { id = tenantId.ToString(), name = $"{prefix}-{tenantId:N}", now = DateTimeOffset.UtcNow.ToString("O") });
        return new Caller(AdminId, "admin", tenantId, Roles.Member);
    }

    public Caller Admin(Guid tenantId) => new(AdminId, "admin", tenantId, Roles.Admin);

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
