using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Web.Accounts;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Hosting;

/// <summary>
/// Runs before the portal takes requests: the installation id, the first administrator, the local host when
/// the database is new, and connections to every registered host.
/// </summary>
public sealed class PortalStartup(
    IOptions<PortalOptions> options,
    IInstallationStore installationStore,
    InstallationIdentity installation,
    IUserStore users,
    IHostStore hosts,
    HostService hostService,
    PasswordHashing passwords,
    ILogger<PortalStartup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        installation.Initialize(await installationStore.GetOrCreateInstallationIdAsync(ct));
        await BootstrapAdminAsync(ct);
        await RegisterLocalHostAsync(ct);
        await hostService.StartAllAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private async Task BootstrapAdminAsync(CancellationToken ct)
    {
        if (await users.CountAsync(ct) > 0)
            return;
        var password = options.Value.AdminPassword;
        var generated = password is null;
        password ??= PasswordHashing.GeneratePassword();
        await users.InsertAsync(new User
        {
            Id = Guid.NewGuid(),
            Username = "admin",
            PasswordHash = passwords.Hash(password),
            Role = Roles.Admin,
            TenantId = DefaultTenant.Id,
            CreatedAt = Clock.Now(),
        }, ct);
        if (generated)
        {
            // Printed once, on purpose to the console only: it is never stored in clear.
            Console.WriteLine($"CloudPortal: created administrator 'admin' with password: {password}");
        }
        log.LogInformation("Created the first administrator 'admin'");
    }

    private async Task RegisterLocalHostAsync(CancellationToken ct)
    {
        var uri = options.Value.LocalHostUri;
        if (string.IsNullOrWhiteSpace(uri) || (await hosts.ListAsync(ct)).Count > 0)
            return;
        await hosts.InsertAsync(new CloudPortal.Core.Hosts.Host { Id = Guid.NewGuid(), Name = "local", Uri = uri, CreatedAt = Clock.Now() }, ct);
        log.LogInformation("Registered {Uri} as the first host", uri);
    }
}
