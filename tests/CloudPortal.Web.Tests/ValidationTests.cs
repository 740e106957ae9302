using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class ValidationTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    public static TheoryData<string, string> BadNames => new()
    {
        { "", "name" },
        { "has spaces", "name" },
        { new string('a', 64), "name" },
        { "<x>", "name" },
        { "dots.not-ok", "name" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task PostMachines_BadName_Returns400WithNameField(string name, string field)
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
        await response.ValidationProblemAsync(field);
        await AssertNoMachineNamedAsync(name);
    }

    [Fact]
    public async Task PostMachines_Name63Chars_IsAccepted()
    {
        var name = ("m" + Guid.NewGuid().ToString("N") + new string('x', 63))[..63];
        var created = await Admin.CreateMachineAsync(name);
        Assert.Equal(name, created.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("0", "vcpus")]
    [InlineData("-1", "vcpus")]
    [InlineData("65", "vcpus")]
    [InlineData("\"many\"", "vcpus")]
    [InlineData("1.5", "vcpus")]
    [InlineData("null", "vcpus")]
    public async Task PostMachines_BadVcpus_Returns400WithVcpusField(string vcpus, string field)
    {
        var name = PortalApi.UniqueName();
        using var response = await Admin.PostJsonAsync("/api/v1/machines", $$"""{"name":"{{name}}","vcpus":{{vcpus}},"memoryMiB":64}""");
        await response.ValidationProblemAsync(field);
        await AssertNoMachineNamedAsync(name);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("31")]
    [InlineData("1000000000")]
    [InlineData("-64")]
    [InlineData("\"lots\"")]
    public async Task PostMachines_BadMemory_Returns400WithMemoryField(string memory)
    {
        var name = PortalApi.UniqueName();
        using var response = await Admin.PostJsonAsync("/api/v1/machines", $$"""{"name":"{{name}}","vcpus":1,"memoryMiB":{{memory}}}""");
        await response.ValidationProblemAsync("memoryMiB");
        await AssertNoMachineNamedAsync(name);
    }

    [Fact]
    public async Task PostMachines_EverythingMissing_Returns400NamingEveryField()
    {
        using var response = await Admin.PostJsonAsync("/api/v1/machines", "{}");
        var problem = await response.ValidationProblemAsync("name");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("vcpus", out _), $"{errors}");
        Assert.True(errors.TryGetProperty("memoryMiB", out _), $"{errors}");
    }

    [Fact]
    public async Task PostMachines_NoBody_Returns400Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/machines");
        using var response = await Admin.SendAsync(request);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object, $"{problem}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    public async Task PostMachines_EmptyOrMalformedJsonBody_Returns400WithFieldMap(string json)
    {
        using var response = await Admin.PostJsonAsync("/api/v1/machines", json);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object, $"{problem}");
    }

    [Theory]
    [InlineData("imageId", "\"00000000-0000-0000-0000-00000000abcd\"")]
    [InlineData("diskGiB", "10")]
    [InlineData("networkId", "\"not-a-network\"")]
    public async Task PostMachines_NotYetSupportedField_Returns400NamingIt(string field, string value)
    {
        var name = PortalApi.UniqueName();
        using var response = await Admin.PostJsonAsync("/api/v1/machines", $$"""{"name":"{{name}}","vcpus":1,"memoryMiB":64,"{{field}}":{{value}}}""");
        await response.ValidationProblemAsync(field);
        await AssertNoMachineNamedAsync(name);
    }

    [Fact]
    public async Task PostMachines_WrongContentType_IsNotAccepted()
    {
        var name = PortalApi.UniqueName();
        using var response = await Admin.PostAsync("/api/v1/machines",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = name, ["vcpus"] = "1", ["memoryMiB"] = "64" }));
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"got {(int)response.StatusCode}");
        await AssertNoMachineNamedAsync(name);
    }

    private async Task AssertNoMachineNamedAsync(string name)
    {
        using var list = await Admin.GetAsync("/api/v1/machines?limit=500");
        var page = await list.JsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), m => m.GetProperty("name").GetString() == name);
    }
}
