using CloudPortal.Core.Machines;
using CloudPortal.Core.Volumes;
using CloudPortal.Web.Machines;

namespace CloudPortal.Web.Volumes;

public static class VolumeExtensions
{
    /// <summary>Data volumes: the service, the machine delete's volume step, the sweep of interrupted operations, the machine tab.</summary>
    public static IServiceCollection AddPortalVolumes(this IServiceCollection services)
    {
        services.AddSingleton<VolumeRemoval>();
        services.AddSingleton<IMachineVolumes>(provider => provider.GetRequiredService<VolumeRemoval>());
        services.AddSingleton<VolumeEvents>();
        services.AddSingleton<VolumeService>();
        services.AddHostedService<VolumeSweep>();
        services.AddMachineTab<VolumesTab>("Volumes", 20);
        return services;
    }
}

/// <summary>Finishes volume creates and deletes that a stopped portal left half-done, once hosts are connected and then now and then.</summary>
public sealed class VolumeSweep(VolumeService volumes, ILogger<VolumeSweep> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10));
            do
            {
                try
                {
                    await volumes.SweepAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Sweeping interrupted volume operations failed; trying again later");
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
