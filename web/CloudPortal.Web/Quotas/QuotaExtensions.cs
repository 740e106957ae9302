using CloudPortal.Core.Quotas;

namespace CloudPortal.Web.Quotas;

public static class QuotaExtensions
{
    /// <summary>Quota rules and the periodic drift check (CloudPortal:Quotas:DriftCheckInterval, default 5 minutes).</summary>
    public static IServiceCollection AddPortalQuotas(this IServiceCollection services)
    {
        services.AddSingleton<QuotaService>();
        services.AddSingleton(provider =>
        {
            var interval = provider.GetRequiredService<IConfiguration>().GetValue<TimeSpan?>("CloudPortal:Quotas:DriftCheckInterval");
            return new QuotaDriftCheck(provider.GetRequiredService<IQuotaStore>(), provider.GetRequiredService<ILogger<QuotaDriftCheck>>())
            {
                Interval = interval is { } i && i > TimeSpan.Zero ? i : TimeSpan.FromMinutes(5),
            };
        });
        services.AddHostedService(provider => provider.GetRequiredService<QuotaDriftCheck>());
        return services;
    }
}
