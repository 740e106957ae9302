using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Authentication.Cookies;
using OpenTelemetry.Metrics;

namespace CloudPortal.Web.Monitoring;

public static class MonitoringExtensions
{
    public static IServiceCollection AddPortalMonitoring(this IServiceCollection services)
    {
        services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.Section);
        services.AddSingleton<MetricSeries>();
        services.AddSingleton<MetricsQuery>();
        services.AddSingleton<MetricsCollector>();
        // Replaces the neutral source registered by AddPortalCore: the load-aware weigher now sees measured use.
        services.AddSingleton<CloudPortal.Core.Placement.IHostLoadSource, MeasuredHostLoad>();
        services.AddHostedService(provider => provider.GetRequiredService<MetricsCollector>());
        services.AddHostedService<LiveMetricsForwarder>();
        services.AddSingleton<PortalMeter>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(PortalMeter.Name)
            // The portal's own health beside the fleet's: requests, connections, SignalR and the runtime (the meters
            // ASP.NET Core and .NET publish themselves).
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
                "Microsoft.AspNetCore.Diagnostics", "System.Runtime", "System.Net.Http")
            // One stream point per machine: the default limit of 2000 would silently merge a large fleet.
            .AddView(instrument => instrument.Meter.Name == PortalMeter.Name ? new MetricStreamConfiguration { CardinalityLimit = 200_000 } : null)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>/metrics in Prometheus text for administrators (cookie or bearer API key): it names every tenant's machines.</summary>
    public static IEndpointRouteBuilder MapPortalMonitoring(this IEndpointRouteBuilder app)
    {
        // The gauges read the series at scrape time, so the meter must exist before the first scrape.
        app.ServiceProvider.GetRequiredService<PortalMeter>();
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(policy => policy
            .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme, BearerTokenHandler.SchemeName)
            .RequireRole(Core.Common.Roles.Admin));
        return app;
    }
}
