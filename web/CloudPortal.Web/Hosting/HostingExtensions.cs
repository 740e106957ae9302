using Microsoft.Extensions.DependencyInjection.Extensions;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Data;
using Microsoft.Extensions.Options;
using CloudPortal.Web.Storage;

namespace CloudPortal.Web.Hosting;

public static class HostingExtensions
{
    /// <summary>Reads the CLOUDPORTAL_* variables; CLOUDPORTAL_URLS sets where the portal listens.</summary>
    public static WebApplicationBuilder AddPortalHosting(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (configuration["CLOUDPORTAL_URLS"] is { Length: > 0 } urls)
            builder.WebHost.UseUrls(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        else if (string.IsNullOrEmpty(configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(configuration["urls"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5080");

        builder.Services.Configure<PortalOptions>(options =>
        {
            if (configuration["CLOUDPORTAL_DATA_DIR"] is { Length: > 0 } dataDir)
                options.DataDirectory = Path.GetFullPath(dataDir);
            options.AdminPassword = configuration["CLOUDPORTAL_ADMIN_PASSWORD"] is { Length: > 0 } password ? password : null;
            if (configuration["CloudPortal:LocalHostUri"] is { } local)
                options.LocalHostUri = local;
        });
        return builder;
    }

    public static IServiceCollection AddPortalCore(this IServiceCollection services)
    {
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<PortalOptions>>().Value;
            Directory.CreateDirectory(options.DataDirectory);
            return new DataDirectory(options.DataDirectory);
        });
        // The store is created (and migrated) once, before anything reads it.
        services.AddSingleton(provider =>
        {
            var database = new SqliteDatabase(Path.Combine(provider.GetRequiredService<DataDirectory>().Path, "cloudportal.db"));
            DatabaseMigrator.Migrate(database);
            return database;
        });
        services.AddCloudPortalStores();
        services.AddSingleton<VirtualizationProbe>();
        services.AddSingleton<HostConnections>();
        services.AddSingleton<HostService>();
        services.AddSingleton<MachineEvents>();
        services.AddSingleton<OperationExecutor>();
        // Built by hand to hand it its lifecycle settings: CloudPortal:Machines:ShutdownTimeoutSeconds (default 60).
        services.AddSingleton(provider =>
        {
            var service = ActivatorUtilities.CreateInstance<MachineService>(provider);
            var seconds = provider.GetRequiredService<IConfiguration>().GetValue<int?>("CloudPortal:Machines:ShutdownTimeoutSeconds");
            if (seconds is >= MachineService.MinShutdownTimeoutSeconds and <= MachineService.MaxShutdownTimeoutSeconds)
                service.DefaultShutdownTimeout = TimeSpan.FromSeconds(seconds.Value);
            return service;
        });
        services.AddPortalStorage();
        services.AddOptions<CloudPortal.Core.Placement.PlacementOptions>().BindConfiguration(CloudPortal.Core.Placement.PlacementOptions.Section);
        services.AddSingleton<CloudPortal.Core.Placement.HostPlacement>();
        services.AddSingleton<CloudPortal.Core.Placement.PolicyConflicts>();
        // Monitoring registers its own measured source; until then hosts have no measurement and load weighs neutrally.
        services.TryAddSingleton<CloudPortal.Core.Placement.IHostLoadSource>(CloudPortal.Core.Placement.NoHostLoadSource.Instance);
        services.AddSingleton<CloudPortal.Core.Placement.TrustService>();
        services.AddSingleton<CloudPortal.Core.Placement.PlacementGroupService>();
        services.AddSingleton<InstallationIdentity>();
        services.AddSingleton<CloudPortal.Core.Sizes.SizeService>();
        services.AddSingleton<CloudPortal.Core.CloudInit.SshKeyService>();
        services.AddSingleton<TemplateService>();
        services.AddHostedService<PortalStartup>();
        services.AddSingleton<MachineReconciler>();
        services.AddHostedService(provider => provider.GetRequiredService<MachineReconciler>());
        return services;
    }

    public static IEndpointRouteBuilder MapPortalHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription().AllowAnonymous();
        app.MapGet("/readyz", async (SqliteDatabase database, HostConnections connections, CloudPortal.Core.Monitoring.MetricSeries series, CancellationToken ct) =>
        {
            string databaseState;
            try
            {
                await using var connection = await database.OpenAsync(ct);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync(ct);
                databaseState = "ok";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                databaseState = ex.Message;
            }
            var hosts = connections.Statuses;
            var body = new
            {
                database = databaseState,
                hosts = hosts.Select(h => new
                {
                    h.HostId,
                    state = h.State.ToString().ToLowerInvariant(),
                    h.LastError,
                    sampling = series.Sampling(h.HostId) is { LastSampleAt: not null } s
                        ? new { lastSampleAt = s.LastSampleAt, failing = s.Failing, error = s.LastError }
                        : null,
                }),
            };
            return databaseState == "ok" && hosts.Count > 0 && hosts.Any(h => h.State == HostConnectionState.Connected)
                ? Results.Ok(body)
                : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).ExcludeFromDescription().AllowAnonymous();
        return app;
    }
}

public sealed record DataDirectory(string Path);
