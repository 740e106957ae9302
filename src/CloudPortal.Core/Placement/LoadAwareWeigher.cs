using System.Globalization;

namespace CloudPortal.Core.Placement;

/// <summary>A host's measured use: fractions 0..1 of its CPUs and memory busy, as monitoring last saw them.</summary>
public sealed record HostLoadMeasurement(double CpuFraction, double MemoryFraction, DateTimeOffset MeasuredAt);

/// <summary>
/// Where measured load comes from (monitoring implements it). Placement asks per host per decision, so an
/// implementation answers from memory: null when it has no recent measurement of the host.
/// </summary>
public interface IHostLoadSource
{
    HostLoadMeasurement? Get(Guid hostId);
}

/// <summary>The source until monitoring provides one: nothing is measured, so the load-aware weigher stays neutral.</summary>
public sealed class NoHostLoadSource : IHostLoadSource
{
    public static readonly NoHostLoadSource Instance = new();
    public HostLoadMeasurement? Get(Guid hostId) => null;
}

/// <summary>A weigher that can say what its score rests on ("no measurement"), shown in explanations.</summary>
public interface IExplainingWeigher : IHostWeigher
{
    string? Note(PlacementRequest request, HostCandidate host);
}

/// <summary>
/// Measured use rather than what was promised: the host whose busiest resource is least used wins. Without a
/// measurement every host scores the same neutral 0.5, so the other weighers alone decide.
/// </summary>
public sealed class LoadAwareWeigher(IHostLoadSource source) : IExplainingWeigher
{
    public const double Neutral = 0.5;

    public string Name => "load";

    public double Score(PlacementRequest request, HostCandidate host) =>
        source.Get(host.HostId) is { } m ? 1.0 - Math.Clamp(Math.Max(m.CpuFraction, m.MemoryFraction), 0.0, 1.0) : Neutral;

    public string? Note(PlacementRequest request, HostCandidate host) =>
        source.Get(host.HostId) is { } m
            ? string.Create(CultureInfo.InvariantCulture, $"measured CPU {m.CpuFraction:P0}, memory {m.MemoryFraction:P0} at {m.MeasuredAt:u}")
            : "no measurement";
}
