using Microsoft.AspNetCore.Hosting;

namespace CloudPortal.Web.Tests.Infrastructure;

/// <summary>
/// A portal on qemu:///system whose portal pool is one of its own (<paramref name="poolPrefix"/> plus a random tag,
/// under /var/lib), so its disks never mix with another portal's. Test domains and every pool of the prefix are swept
/// at start (a crashed earlier run) and removed at the end, whatever happened in between. Test domains are those named
/// with <paramref name="domainPrefix"/> (by default the Web tests' own).
/// </summary>
public abstract class OwnPoolPortal(string poolPrefix, string domainPrefix = Virsh.TestPrefix) : PortalFixture(PortalFactory.SystemUri)
{
    public string Pool { get; } = poolPrefix + Guid.NewGuid().ToString("N")[..8];

    /// <summary>More settings or test services for the portal, beside the pool's.</summary>
    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    public override async Task InitializeAsync()
    {
        await Virsh.RemoveDomainsAsync(domainPrefix);
        await RemovePoolsAsync();
        Factory.ExtraConfiguration = builder =>
        {
            builder.UseSetting("CloudPortal:Storage:PortalPoolName", Pool);
            builder.UseSetting("CloudPortal:Storage:PortalPoolPath", "/var/lib/" + Pool);
            Configure(builder);
        };
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Virsh.RemoveDomainsAsync(domainPrefix);
            await RemovePoolsAsync();
        }
    }

    private async Task RemovePoolsAsync()
    {
        var (_, list, _) = await Virsh.RunAsync("pool-list", "--all", "--name");
        foreach (var name in list.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                     .Where(n => n.StartsWith(poolPrefix, StringComparison.Ordinal)))
        {
            await Virsh.RunAsync("pool-destroy", name);
            await Virsh.RunAsync("pool-undefine", name);
        }
        foreach (var dir in Directory.GetDirectories("/var/lib", poolPrefix + "*"))
            Directory.Delete(dir, recursive: true);
    }
}
