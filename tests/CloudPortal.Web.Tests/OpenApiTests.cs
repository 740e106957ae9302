using System.Net;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class OpenApiTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    [Fact]
    public async Task GetOpenApi_Anonymous_Returns200JsonDescribingTheApi()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.GetAsync("/openapi/v1.json");
        var document = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/machines", "/api/v1/machines/{id}", "/api/v1/hosts", "/api/v1/tokens", "/api/v1/operations/{id}" })
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI has no {path}");
    }

    [Fact]
    public async Task GetApiReference_Anonymous_Returns200Html()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.GetAsync("/api/reference");
        if (response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Redirect)
        {
            // Resolved like a browser does: relative to the URL that answered the redirect.
            var location = new Uri(response.RequestMessage!.RequestUri!, response.Headers.Location!);
            using var followed = await client.GetAsync(location);
            Assert.True(followed.StatusCode == HttpStatusCode.OK,
                $"/api/reference redirects to {response.Headers.Location}, which answers {(int)followed.StatusCode}");
            Assert.Equal("text/html", followed.Content.Headers.ContentType?.MediaType);
            var html = await followed.Content.ReadAsStringAsync();
            Assert.True(html.Contains("CloudPortal API"), html);
            return;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/api/reference/scalar.js")]
    [InlineData("/api/reference/scalar.aspnetcore.js")]
    public async Task GetApiReferenceAssets_Anonymous_AreServedByThePortalItself(string path)
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task GetHealthz_Anonymous_Returns200()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetReadyz_HostConnected_Returns200()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.GetAsync("/readyz");
        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("ok", body.GetProperty("database").GetString());
    }
}
