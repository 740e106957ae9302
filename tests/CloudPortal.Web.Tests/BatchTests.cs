using System.Net;
using System.Net.Http.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>Batch creates on the test driver's one host.</summary>
public sealed class BatchTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task CreateBatch_Three_CreatesThreeNamedPrefixN()
    {
        var prefix = PortalApi.UniqueName("b");
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines/batch", new { count = 3, namePrefix = prefix, vcpus = 1, memoryMiB = 64 });
        var body = await response.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal([$"{prefix}-1", $"{prefix}-2", $"{prefix}-3"], body.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.All(body.GetProperty("items").EnumerateArray(), m => Assert.False(string.IsNullOrEmpty(m.GetProperty("operationId").GetString())));
        Assert.Equal(0, body.GetProperty("notCreated").GetArrayLength());
    }

    [Fact]
    public async Task CreateBatch_AllOrNothingStrictAntiAffinityOfTwoOnOneHost_Returns409AndCreatesNothing()
    {
        using var created = await Admin.PostAsJsonAsync("/api/v1/placement-groups", new { name = PortalApi.UniqueName("pg"), policy = "anti-affinity", strict = true });
        var group = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var prefix = PortalApi.UniqueName("aon");
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines/batch",
            new { count = 2, namePrefix = prefix, vcpus = 1, memoryMiB = 64, placementGroupId = group, allOrNothing = true });
        var detail = (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
        Assert.Contains("Only 1 of 2", detail);
        Assert.Contains("strict anti-affinity", detail);
        using var list = await Admin.GetAsync($"/api/v1/machines?filter={prefix}");
        Assert.Equal(0, (await list.JsonAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task CreateBatch_NotAllOrNothing_CreatesWhatFitsAndSaysWhyNotTheRest()
    {
        using var created = await Admin.PostAsJsonAsync("/api/v1/placement-groups", new { name = PortalApi.UniqueName("pg"), policy = "anti-affinity", strict = true });
        var group = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var prefix = PortalApi.UniqueName("some");
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines/batch",
            new { count = 2, namePrefix = prefix, vcpus = 1, memoryMiB = 64, placementGroupId = group });
        var body = await response.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal($"{prefix}-1", Assert.Single(body.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        Assert.StartsWith($"{prefix}-2: no host fits", Assert.Single(body.GetProperty("notCreated").EnumerateArray()).GetString());
    }

    [Theory]
    [InlineData("""{"namePrefix":"x","vcpus":1,"memoryMiB":64}""", "count")]
    [InlineData("""{"count":0,"namePrefix":"x","vcpus":1,"memoryMiB":64}""", "count")]
    [InlineData("""{"count":51,"namePrefix":"x","vcpus":1,"memoryMiB":64}""", "count")]
    [InlineData("""{"count":2,"namePrefix":"bad prefix","vcpus":1,"memoryMiB":64}""", "namePrefix")]
    [InlineData("""{"count":2,"vcpus":1,"memoryMiB":64}""", "namePrefix")]
    [InlineData("""{"count":2,"namePrefix":"x","vcpus":0,"memoryMiB":64}""", "vcpus")]
    public async Task CreateBatch_BadBody_Returns400NamingTheField(string json, string field)
    {
        using var response = await Admin.PostJsonAsync("/api/v1/machines/batch", json);
        await response.ValidationProblemAsync(field);
    }
}
