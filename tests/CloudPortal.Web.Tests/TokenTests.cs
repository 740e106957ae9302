using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class TokenTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    [Fact]
    public async Task PostTokens_RightPassword_Returns201WithTokenAndExpiry()
    {
        using var client = portal.Factory.Anonymous();
        using var response = await client.PostAsJsonAsync("/api/v1/tokens", new { username = "admin", password = portal.Factory.AdminPassword });

        var body = await response.JsonAsync(HttpStatusCode.Created);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("token").GetString()));
        var expiresAt = body.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.True(expiresAt > DateTimeOffset.UtcNow.AddMinutes(1), $"expiresAt {expiresAt} is not in the future");

        using var authed = portal.Factory.Anonymous();
        authed.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString());
        using var machines = await authed.GetAsync("/api/v1/machines");
        await machines.JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PostTokens_WrongPasswordOrUnknownUser_Returns401WithIdenticalDetail()
    {
        using var client = portal.Factory.Anonymous();
        using var wrongPassword = await client.PostAsJsonAsync("/api/v1/tokens", new { username = "admin", password = "not-the-password" });
        using var unknownUser = await client.PostAsJsonAsync("/api/v1/tokens", new { username = "nobody-" + Guid.NewGuid().ToString("N"), password = portal.Factory.AdminPassword });

        var first = await wrongPassword.ProblemAsync(HttpStatusCode.Unauthorized);
        var second = await unknownUser.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(first.GetProperty("title").GetString(), second.GetProperty("title").GetString());
        Assert.Equal(first.GetProperty("detail").GetString(), second.GetProperty("detail").GetString());
        Assert.DoesNotContain("admin", first.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "application/json")]
    [InlineData("{}", "application/json")]
    [InlineData("{\"username\":\"admin\"}", "application/json")]
    public async Task PostTokens_MissingBodyOrFields_Returns400Or401Problem(string? content, string? contentType)
    {
        using var client = portal.Factory.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tokens");
        if (content is not null)
        {
            request.Content = new StringContent(content);
            request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        }
        using var response = await client.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized,
            $"expected 400 or 401, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await response.ProblemAsync(response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer garbage")]
    [InlineData("Bearer cpt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer ")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task GetMachines_NoOrGarbageBearer_Returns401Problem(string? authorization)
    {
        using var client = portal.Factory.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/machines");
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request);

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task PostMachines_GarbageBearer_Returns401AndCreatesNothing()
    {
        using var client = portal.Factory.Anonymous();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer garbage");
        var name = PortalApi.UniqueName();
        using var response = await client.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
        await response.ProblemAsync(HttpStatusCode.Unauthorized);

        using var list = await portal.Admin.GetAsync("/api/v1/machines?limit=500");
        var page = await list.JsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), m => m.GetProperty("name").GetString() == name);
    }
}
