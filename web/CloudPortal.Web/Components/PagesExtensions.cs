using CloudPortal.Web.Api;
using MudBlazor.Services;

namespace CloudPortal.Web.Components;

public static class PagesExtensions
{
    public static IServiceCollection AddPortalPages(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        Machines.MachineTabExtensions.AddMachineTab<Machines.SnapshotsTab>(services, "Snapshots", 15);
        return services;
    }

    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapPortalPages(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
