using System.Net;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

public sealed class PagingTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private HttpClient Admin => portal.Admin;

    [Fact]
    public async Task GetMachines_Limit2FollowingNext_SeesEachMachineExactlyOnce()
    {
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
            created.Add((await Admin.CreateMachineAsync(PortalApi.UniqueName("pg"))).GetProperty("id").GetString()!);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = "/api/v1/machines?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await Admin.GetAsync(url);
            var page = await response.JsonAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            seen.AddRange(items.Select(m => m.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").GetString();
            Assert.True(++pages <= 50, "paging does not end");
        } while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        foreach (var id in created)
            Assert.Single(seen, id);
        Assert.True(pages >= 3, $"5 machines in pages of 2 took {pages} pages");
    }

    [Fact]
    public async Task GetMachines_NewestFirst()
    {
        var older = (await Admin.CreateMachineAsync(PortalApi.UniqueName("pg"))).GetProperty("id").GetString();
        await Task.Delay(5);
        var newer = (await Admin.CreateMachineAsync(PortalApi.UniqueName("pg"))).GetProperty("id").GetString();
        using var response = await Admin.GetAsync("/api/v1/machines?limit=500");
        var ids = (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.True(ids.IndexOf(newer) < ids.IndexOf(older), "the newer machine is not listed first");
    }

    [Fact]
    public async Task GetMachines_MachineAddedBetweenPages_NoDuplicatesOrSkips()
    {
        for (var i = 0; i < 3; i++)
            await Admin.CreateMachineAsync(PortalApi.UniqueName("pg"));
        using var before = await Admin.GetAsync("/api/v1/machines?limit=500");
        var expected = (await before.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Select(m => m.GetProperty("id").GetString()!).ToList();

        using var first = await Admin.GetAsync("/api/v1/machines?limit=2");
        var page = await first.JsonAsync(HttpStatusCode.OK);
        var seen = page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();
        var added = (await Admin.CreateMachineAsync(PortalApi.UniqueName("pg"))).GetProperty("id").GetString();
        var cursor = page.GetProperty("next").GetString();
        while (cursor is not null)
        {
            using var response = await Admin.GetAsync("/api/v1/machines?limit=2&cursor=" + Uri.EscapeDataString(cursor));
            page = await response.JsonAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").GetString();
        }

        // The newest machine sorts before the cursor, so a walk that started earlier does not see it.
        Assert.DoesNotContain(added, seen);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task GetMachines_Filter_MatchesNamePart()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var name = $"f-{marker}-x";
        await Admin.CreateMachineAsync(name);
        using var response = await Admin.GetAsync($"/api/v1/machines?filter={marker}");
        var items = (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(name, Assert.Single(items).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("/api/v1/machines?limit=0", "limit")]
    [InlineData("/api/v1/machines?limit=501", "limit")]
    [InlineData("/api/v1/machines?limit=-1", "limit")]
    [InlineData("/api/v1/machines?cursor=garbage", "cursor")]
    [InlineData("/api/v1/machines?cursor=Zm9vfGJhcg%3D%3D", "cursor")]
    [InlineData("/api/v1/hosts?limit=0", "limit")]
    [InlineData("/api/v1/hosts?limit=501", "limit")]
    [InlineData("/api/v1/hosts?cursor=garbage", "cursor")]
    public async Task GetCollection_BadLimitOrCursor_Returns400WithFieldMap(string url, string field)
    {
        using var response = await Admin.GetAsync(url);
        await response.ValidationProblemAsync(field);
    }

    [Fact]
    public async Task GetMachines_LimitNotANumber_Returns400()
    {
        using var response = await Admin.GetAsync("/api/v1/machines?limit=many");
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GetMachines_Limit500_IsAccepted()
    {
        using var response = await Admin.GetAsync("/api/v1/machines?limit=500");
        await response.JsonAsync(HttpStatusCode.OK);
    }
}
