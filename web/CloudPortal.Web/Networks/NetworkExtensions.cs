using CloudPortal.Core.Networks;

namespace CloudPortal.Web.Networks;

public static class NetworkExtensions
{
    /// <summary>Tenant networks and security groups; the subnet pool comes from CloudPortal:Networks:Pool (default 10.200.0.0/16).</summary>
    public static IServiceCollection AddPortalNetworks(this IServiceCollection services)
    {
        services.AddSingleton(provider =>
            new SubnetPool(provider.GetRequiredService<IConfiguration>()["CloudPortal:Networks:Pool"] ?? "10.200.0.0/16"));
        services.AddSingleton<NetworkService>();
        services.AddSingleton<SecurityGroupService>();
        services.AddSingleton<NetworkAttachments>();
        return services;
    }
}
