using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using CloudPortal.Web.Audit;
using CloudPortal.Web.Images;
using Scalar.AspNetCore;

namespace CloudPortal.Web.Api;

public static class ApiExtensions
{
    public static IServiceCollection AddPortalApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<PortalExceptionHandler>();
        services.AddOpenApi("v1");
        // Binding failures throw, so that the exception handler answers them with a field map like any other 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => options.SerializerOptions.PropertyNameCaseInsensitive = true);
        return services;
    }

    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // A self-hosted portal's reference page must not call out: no web fonts, telemetry or hosted AI agent.
        app.MapScalarApiReference("/api/reference", options => options.WithTitle("CloudPortal API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .DisableDefaultFonts().DisableTelemetry().DisableAgent().DisableMcp().HideDeveloperTools()).AllowAnonymous();

        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(BearerTokenScheme).RequireAuthenticatedUser())
            .DisableAntiforgery();
        api.MapHostEndpoints();
        api.MapMachineEndpoints();
        api.MapOperationEndpoints();
        api.MapTenancyEndpoints();
        api.MapPlacementGroupEndpoints();
        api.MapNetworkEndpoints();
        api.MapSecurityGroupEndpoints();
        api.MapAuditEndpoints();
        api.MapQuotaEndpoints();
        api.MapImageEndpoints();
        Monitoring.MetricsEndpoints.MapMetricsEndpoints(api);
        api.MapSizeEndpoints();
        api.MapPoolEndpoints();
        Alerts.AlertEndpoints.MapAlertEndpoints(api);
        Volumes.VolumeEndpoints.MapVolumeEndpoints(api);
        api.MapSnapshotEndpoints();
        api.MapTemplateEndpoints();
        api.MapRebuildEndpoints();
        api.MapCloneEndpoints();
        api.MapGrowDiskEndpoints();
        Consoles.ConsoleExtensions.MapConsoleEndpoints(api);
        return app;
    }

    private const string BearerTokenScheme = Accounts.BearerTokenHandler.SchemeName;
}
