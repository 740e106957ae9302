using CloudPortal.Core.Storage;

namespace CloudPortal.Web.Storage;

public static class StorageExtensions
{
    /// <summary>Pools and copy-on-write machine disks; settings under "CloudPortal:Storage".</summary>
    public static IServiceCollection AddPortalStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration("CloudPortal:Storage");
        services.AddSingleton<PoolService>();
        services.AddSingleton<MachineDisks>();
        services.AddSingleton<OrphanDiskCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<OrphanDiskCollector>());
        return services;
    }
}
