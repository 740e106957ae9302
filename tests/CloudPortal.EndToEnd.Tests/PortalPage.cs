using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>What the tests do with the portal's pages, in the portal's own words (its data-testid attributes and labels).</summary>
internal static class PortalPage
{
    public static readonly LocatorAssertionsToHaveAttributeOptions Quick = new() { Timeout = 15_000 };

    public static async Task SignInAsync(IPage page, string username, string password)
    {
        await page.GotoAsync("/login");
        await page.Locator("#username").FillAsync(username);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public static async Task SignInAsAdminAsync(IPage page, PortalFixture portal)
    {
        await SignInAsync(page, portal.AdminUser, portal.AdminPassword);
        await Expect(page).ToHaveURLAsync(new Regex("/machines$"), new() { Timeout = 15_000 });
    }

    /// <summary>
    /// Opens the create dialog. The page is prerendered, so a click before the Blazor circuit is attached does nothing:
    /// the click is repeated until the dialog shows.
    /// </summary>
    public static async Task<ILocator> OpenCreateDialogAsync(IPage page)
    {
        var dialog = page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Create machine" });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            // A dialog that is already on its way must not get a twin.
            if (await dialog.CountAsync() == 0)
                await page.GetByTestId("create-machine").ClickAsync();
            try
            {
                await dialog.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 2_000 });
                return dialog;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>The input element of a MudBlazor field, whether the data-testid sits on the input or on a wrapper of it.</summary>
    public static ILocator Input(ILocator scope, string testId) =>
        scope.GetByTestId(testId).Locator("xpath=descendant-or-self::input").First;

    /// <summary>The state chip of machine <paramref name="name"/> in the machines table; its data-state is the contract name.</summary>
    public static ILocator StateChip(IPage page, string name) =>
        page.GetByTestId($"state-{name}").Locator("[data-state]");

    public static Task ExpectStateAsync(IPage page, string name, string state, float timeoutMs) =>
        Expect(StateChip(page, name)).ToHaveAttributeAsync("data-state", state, new() { Timeout = timeoutMs });
}
