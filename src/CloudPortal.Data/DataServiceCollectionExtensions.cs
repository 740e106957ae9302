using CloudPortal.Core.Accounts;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Tenancy;
using CloudPortal.Core.Quotas;
using CloudPortal.Data.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>The Dapper stores over the <see cref="SqliteDatabase"/> registered by the host.</summary>
    public static IServiceCollection AddCloudPortalStores(this IServiceCollection services)
    {
        services.AddSingleton<IMachineStore, MachineStore>();
        services.AddSingleton<IOperationStore, OperationStore>();
        services.AddSingleton<IHostStore, HostStore>();
        services.AddSingleton<IUserStore, UserStore>();
        services.AddSingleton<ITokenStore, TokenStore>();
        services.AddSingleton<IInstallationStore, InstallationStore>();
        services.AddSingleton<ITenantStore, TenantStore>();
        services.AddSingleton<IMembershipStore, MembershipStore>();
        services.AddSingleton<CloudPortal.Core.Audit.IAuditStore, AuditStore>();
        services.AddSingleton<IQuotaStore, QuotaStore>();
        services.AddSingleton<CloudPortal.Core.Images.IImageStore, ImageStore>();
        services.AddSingleton<CloudPortal.Core.Placement.IPlacementStore, PlacementStore>();
        services.AddSingleton<CloudPortal.Core.Placement.ITrustStore, TrustStore>();
        services.AddSingleton<CloudPortal.Core.Placement.IPlacementGroupStore, PlacementGroupStore>();
        services.AddSingleton<CloudPortal.Core.Monitoring.IMetricRollupStore, MetricRollupStore>();
        services.AddSingleton<CloudPortal.Core.Monitoring.IFleetStore, FleetStore>();
        services.AddSingleton<CloudPortal.Core.Sizes.ISizeStore, SizeStore>();
        services.AddSingleton<CloudPortal.Core.Storage.IPoolStore, PoolStore>();
        services.AddSingleton<CloudPortal.Core.Networks.INetworkStore, NetworkStore>();
        services.AddSingleton<CloudPortal.Core.Networks.ISecurityGroupStore, SecurityGroupStore>();
        services.AddSingleton<CloudPortal.Core.Alerts.IAlertStore, AlertStore>();
        services.AddSingleton<CloudPortal.Core.Volumes.IVolumeStore, VolumeStore>();
        services.AddSingleton<CloudPortal.Core.CloudInit.ISshKeyStore, SshKeyStore>();
        services.AddSingleton<CloudPortal.Core.Machines.ISnapshotStore, SnapshotStore>();
        services.AddSingleton<CloudPortal.Core.Machines.ITemplateStore, TemplateStore>();
        return services;
    }
}
