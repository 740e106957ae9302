namespace CloudPortal.Core.Placement;

/// <summary>The cloud's placement strategy, the setting CloudPortal:Placement:Mode; a tenant may override it.</summary>
public enum PlacementMode { Pack, Spread }

public static class PlacementModes
{
    public const string Pack = "pack";
    public const string Spread = "spread";
    public static readonly IReadOnlyList<string> All = [Pack, Spread];

    public static string ToContractName(this PlacementMode mode) => mode == PlacementMode.Spread ? Spread : Pack;

    public static PlacementMode? Parse(string? name) => name switch
    {
        Pack => PlacementMode.Pack,
        Spread => PlacementMode.Spread,
        _ => null,
    };
}

/// <summary>
/// How much each weigher counts under one mode. Scores are 0..1, so the weights say what matters more: pack 1.0 with
/// spread 0 is pure consolidation, pack 1.0 with load 0.5 packs but breaks near-ties towards the least busy host.
/// </summary>
public sealed class PlacementWeights
{
    public double Pack { get; set; }
    public double Spread { get; set; }
    /// <summary>Measured load (see <see cref="IHostLoadSource"/>); neutral on hosts without a measurement.</summary>
    public double Load { get; set; }
    /// <summary>Soft affinity/anti-affinity: as much as the mode's own weigher, so a tenant's preference beats fullness.</summary>
    public double Group { get; set; } = 1.0;
}

public sealed class PlacementOptions
{
    public const string Section = "CloudPortal:Placement";
    public PlacementMode Mode { get; set; } = PlacementMode.Pack;
    /// <summary>The weights in pack mode (CloudPortal:Placement:PackWeights:Load ...).</summary>
    public PlacementWeights PackWeights { get; set; } = new() { Pack = 1.0, Spread = 0.0, Load = 0.25 };
    public PlacementWeights SpreadWeights { get; set; } = new() { Pack = 0.0, Spread = 1.0, Load = 0.25 };

    public PlacementWeights WeightsFor(PlacementMode mode) => mode == PlacementMode.Spread ? SpreadWeights : PackWeights;
}
