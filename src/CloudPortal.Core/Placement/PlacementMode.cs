namespace CloudPortal.Core.Placement;

/// <summary>The cloud's placement strategy, the setting CloudPortal:Placement:Mode.</summary>
public enum PlacementMode { Pack, Spread }

public sealed class PlacementOptions
{
    public const string Section = "CloudPortal:Placement";
    public PlacementMode Mode { get; set; } = PlacementMode.Pack;
}
