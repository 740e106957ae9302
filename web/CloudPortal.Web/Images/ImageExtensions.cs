using CloudPortal.Core.Images;
using CloudPortal.Web.Hosting;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Images;

public static class ImageExtensions
{
    /// <summary>The catalogue over blobs in {data directory}/images; settings in CloudPortal:Images.</summary>
    public static IServiceCollection AddPortalImages(this IServiceCollection services)
    {
        services.AddOptions<ImageOptions>().BindConfiguration(ImageOptions.Section);
        services.AddSingleton(provider => new ContentStore(Path.Combine(provider.GetRequiredService<DataDirectory>().Path, "images")));
        services.AddSingleton<QemuImgInspector>();
        services.AddSingleton<UploadTokens>();
        services.AddSingleton<ImageCatalogue>();
        services.AddSingleton<MachineCapture>();
        services.AddSingleton<IImageContentSource>(provider => provider.GetRequiredService<ImageCatalogue>());
        services.AddHostedService<ImageCatalogueStartup>();
        services.AddHostedService<DemoImageImport>();
        return services;
    }
}

/// <summary>Clears what uploads cut off by the last stop left behind, before requests are taken.</summary>
public sealed class ImageCatalogueStartup(ImageCatalogue catalogue) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => catalogue.SweepAsync(ct);

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
