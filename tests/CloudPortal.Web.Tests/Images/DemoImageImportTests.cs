using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CloudPortal.Web.Images;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudPortal.Web.Tests.Images;

/// <summary>scripts/run hands the portal the demo guest image; the portal publishes it once, like an upload.</summary>
public sealed class DemoImageImportTests : IAsyncLifetime
{
    private readonly ImageFiles _files = new();
    private readonly PortalFactory _factory = new(PortalFactory.TestUri);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _files.Dispose();
    }

    private async Task<JsonElement[]> DemoImagesAfterStartAsync(string path)
    {
        await using var app = _factory.WithWebHostBuilder(b => b.UseSetting(DemoImageImport.PathSetting, path));
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var tokenResponse = await client.PostJsonAsync("/api/v1/tokens",
            JsonSerializer.Serialize(new { username = "admin", password = _factory.AdminPassword }));
        var token = (await tokenResponse.JsonAsync(HttpStatusCode.Created)).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var list = await client.GetAsync($"/api/v1/images?limit=500&filter={DemoImageImport.Name}");
        var items = (await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray();
        return [.. items.Where(i => i.GetProperty("name").GetString() == DemoImageImport.Name).Select(i => i.Clone())];
    }

    [Fact]
    public async Task StartAsync_DemoImagePathSet_PublishesItOnceAcrossRestarts()
    {
        var path = await _files.Qcow2Async(virtualMiB: 8);

        var first = Assert.Single(await DemoImagesAfterStartAsync(path));
        Assert.Equal("public", first.GetProperty("visibility").GetString());
        Assert.Equal("qcow2", first.GetProperty("format").GetString());
        Assert.Equal(ImageFiles.Sha256Of(path), first.GetProperty("sha256").GetString());

        var second = Assert.Single(await DemoImagesAfterStartAsync(path));
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
    }

    [Fact]
    public async Task StartAsync_DemoImageMissing_PortalStartsWithoutIt()
    {
        Assert.Empty(await DemoImagesAfterStartAsync(Path.Combine(Path.GetTempPath(), "cpk-no-such-image.qcow2")));
    }
}
