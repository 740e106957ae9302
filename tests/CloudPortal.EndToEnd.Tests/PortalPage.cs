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

    /// <summary>
    /// Waits until the page loaded last (GotoAsync, ReloadAsync) answers clicks. Pages are prerendered, and what is done
    /// before the Blazor circuit is attached is lost; the app bar's menu button is the probe: it toggles the drawer once the
    /// circuit is there, and is clicked again to put the drawer back.
    /// </summary>
    public static async Task WaitForInteractiveAsync(IPage page)
    {
        var drawer = page.Locator("aside.mud-drawer");
        var menu = page.GetByRole(AriaRole.Button, new() { Name = "Menu" });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await IsOpenAsync())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the page did not become interactive within 30 s (its drawer never toggled)");
            await menu.ClickAsync();
            try
            {
                await Expect(drawer).Not.ToHaveClassAsync(new Regex(@"\bmud-drawer--open\b"), new() { Timeout = 1_000 });
            }
            catch (PlaywrightException)
            {
            }
        }
        await menu.ClickAsync();
        await Expect(drawer).ToHaveClassAsync(new Regex(@"\bmud-drawer--open\b"));

        async Task<bool> IsOpenAsync() => (await drawer.GetAttributeAsync("class") ?? "").Split(' ').Contains("mud-drawer--open");
    }

    /// <summary>Follows the navigation drawer's link <paramref name="name"/> (in the circuit, no page load).</summary>
    public static Task NavigateAsync(IPage page, string name) =>
        page.GetByRole(AriaRole.Complementary).GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();

    /// <summary>The confirmation (or prompt) dialog titled <paramref name="title"/>.</summary>
    public static ILocator Dialog(IPage page, string title) =>
        page.GetByRole(AriaRole.Dialog).Filter(new() { Has = page.Locator(".mud-dialog-title", new() { HasTextString = title }) });

    /// <summary>Answers the prompt dialog titled <paramref name="title"/> with <paramref name="answer"/> and presses its OK button.</summary>
    public static async Task AnswerPromptAsync(IPage page, string title, string answer)
    {
        var dialog = Dialog(page, title);
        await Input(dialog, "prompt-input").FillAsync(answer);
        await dialog.GetByTestId("prompt-ok").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
    }

    /// <summary>Picks the option containing <paramref name="text"/> from the open MudSelect's list.</summary>
    public static async Task PickAsync(IPage page, ILocator select, string text)
    {
        await select.ClickAsync();
        var option = page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextString = text });
        await option.First.ClickAsync();
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
