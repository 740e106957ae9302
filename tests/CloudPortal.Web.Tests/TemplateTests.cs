using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>Machine templates on the test driver: saved with a create's checks, launched as many machines within the quota.</summary>
public sealed class TemplateTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private async Task<(HttpClient Client, string TenantId)> TenantMemberAsync(object? quota = null)
    {
        using var tenant = await portal.Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("tpl") });
        var tenantId = (await tenant.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        if (quota is not null)
            using (var set = await portal.Admin.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/quota", quota))
                Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        var name = PortalApi.UniqueName("tpl");
        using (var user = await portal.Admin.PostAsJsonAsync("/api/v1/users", new { username = name, password = "template-pass-1", tenantId, role = Roles.Member }))
            Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        return (await portal.Factory.ClientForAsync(name, "template-pass-1"), tenantId);
    }

    [Fact]
    public async Task LaunchTemplate_ThreeFromASize_CreatesThreeRunningMachinesOfThatSize()
    {
        var sizeName = PortalApi.UniqueName("sz");
        using var size = await portal.Admin.PostAsJsonAsync("/api/v1/sizes", new { name = sizeName, vcpus = 2, memoryMiB = 96 });
        var sizeId = (await size.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var (member, _) = await TenantMemberAsync();
        using (member)
        {
            using var created = await member.PostAsJsonAsync("/api/v1/templates", new { name = "web", sizeId, labels = Array.Empty<string>() });
            var template = await created.JsonAsync(HttpStatusCode.Created);
            Assert.Equal(2, template.GetProperty("vcpus").GetInt32());
            Assert.Equal(96, template.GetProperty("memoryMiB").GetInt32());

            using var launched = await member.PostAsJsonAsync($"/api/v1/templates/{template.GetProperty("id").GetString()}/launch", new { count = 3, namePrefix = "web" });
            var result = await launched.JsonAsync(HttpStatusCode.Accepted);
            var machines = result.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(["web-1", "web-2", "web-3"], machines.Select(m => m.GetProperty("name").GetString()!).ToArray());
            Assert.Empty(result.GetProperty("notCreated").EnumerateArray());
            foreach (var machine in machines)
            {
                var running = await member.WaitMachineStateAsync(machine.GetProperty("id").GetString()!, "running", TimeSpan.FromSeconds(60));
                Assert.Equal(2, running.GetProperty("vcpus").GetInt32());
                Assert.Equal(96, running.GetProperty("memoryMiB").GetInt32());
            }
        }
    }

    [Fact]
    public async Task LaunchTemplate_OverQuota_Returns409AndCreatesNothing()
    {
        var (member, _) = await TenantMemberAsync(new { machines = 2 });
        using (member)
        {
            using var created = await member.PostAsJsonAsync("/api/v1/templates", new { name = "db", vcpus = 1, memoryMiB = 64 });
            var id = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
            using var launched = await member.PostAsJsonAsync($"/api/v1/templates/{id}/launch", new { count = 3 });
            var problem = await launched.ProblemAsync(HttpStatusCode.Conflict);
            Assert.Contains("3 machines of template 'db'", problem.GetProperty("detail").GetString());
            var list = await (await member.GetAsync("/api/v1/machines")).JsonAsync(HttpStatusCode.OK);
            Assert.Empty(list.GetProperty("items").EnumerateArray());
        }
    }

    [Theory]
    [InlineData("""{"name":"t","vcpus":1,"memoryMiB":64,"imageId":"00000000-0000-0000-0000-00000000abcd"}""", "imageId")]
    [InlineData("""{"name":"t","vcpus":1,"memoryMiB":64,"userData":"#!/bin/sh\necho hi"}""", "imageId")]
    [InlineData("""{"name":"t","vcpus":0,"memoryMiB":64}""", "vcpus")]
    [InlineData("""{"name":"bad name","vcpus":1,"memoryMiB":64}""", "name")]
    [InlineData("""{"name":"t","sizeId":"00000000-0000-0000-0000-00000000abcd"}""", "sizeId")]
    [InlineData("""{"name":"t","vcpus":1,"memoryMiB":64,"networkId":"00000000-0000-0000-0000-00000000abcd"}""", "networkId")]
    public async Task CreateTemplate_BadInput_Returns400ForTheField(string body, string field)
    {
        await (await portal.Admin.PostJsonAsync("/api/v1/templates", body)).ValidationProblemAsync(field);
    }

    [Fact]
    public async Task Template_OtherTenant_Is404AndLaunchCountIsChecked()
    {
        var (owner, _) = await TenantMemberAsync();
        var (other, _) = await TenantMemberAsync();
        using (owner)
        using (other)
        {
            using var created = await owner.PostAsJsonAsync("/api/v1/templates", new { name = "mine", vcpus = 1, memoryMiB = 64 });
            var id = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
            await (await other.GetAsync($"/api/v1/templates/{id}")).ProblemAsync(HttpStatusCode.NotFound);
            await (await other.PostAsJsonAsync($"/api/v1/templates/{id}/launch", new { count = 1 })).ProblemAsync(HttpStatusCode.NotFound);
            await (await owner.PostAsJsonAsync($"/api/v1/templates/{id}/launch", new { count = 0 })).ValidationProblemAsync("count");
            await (await owner.PostAsJsonAsync($"/api/v1/templates/{id}/launch", new { count = 51 })).ValidationProblemAsync("count");
            using var updated = await owner.PutAsJsonAsync($"/api/v1/templates/{id}", new { name = "mine", vcpus = 2, memoryMiB = 128, description = "bigger" });
            Assert.Equal(2, (await updated.JsonAsync(HttpStatusCode.OK)).GetProperty("vcpus").GetInt32());
        }
    }
}
