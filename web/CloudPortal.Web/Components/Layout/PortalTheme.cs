using MudBlazor;

namespace CloudPortal.Web.Components.Layout;

public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5fa8",
            Secondary = "#0f8b8d",
            AppbarBackground = "#17324d",
        },
    };
}
