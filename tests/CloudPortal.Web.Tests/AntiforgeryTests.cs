using System.Net;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class AntiforgeryTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    [Fact]
    public async Task PostLogin_WithoutAntiforgeryToken_Returns400AndDoesNotSignIn()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = "admin",
            ["Password"] = portal.Factory.AdminPassword,
            ["ReturnUrl"] = "/",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies)
            && cookies.Any(c => c.StartsWith("cloudportal=", StringComparison.Ordinal)), "a sign-in cookie was set");
    }
}
