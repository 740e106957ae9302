using System.Security.Claims;
using Bunit;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Core.Quotas;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Monitoring;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CloudPortal.Web.Tests.Monitoring;

/// <summary>Issue 6: the tenant dashboard, rendered over the running portal's own services, shows quota use and top consumers live.</summary>
public sealed class TenantDashboardTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    [Fact]
    public async Task TenantDashboard_RunningMachine_ShowsQuotaBarsAndTheMachineAmongTopConsumersOnceSampled()
    {
        var name = PortalApi.UniqueName("dash");
        await portal.Admin.CreateRunningMachineAsync(name);
        var services = portal.Factory.Services;
        var admin = (await services.GetRequiredService<IUserStore>().FindByUsernameAsync("admin", CancellationToken.None))!;

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(services.GetRequiredService<MetricSeries>());
        context.Services.AddSingleton(services.GetRequiredService<IFleetStore>());
        context.Services.AddSingleton(services.GetRequiredService<MachineEvents>());
        context.Services.AddSingleton(services.GetRequiredService<QuotaService>());
        context.Services.AddSingleton(services.GetRequiredService<AlertService>());
        context.Services.AddSingleton(services.GetRequiredService<AlertNotifications>());
        context.AddAuthorization().SetAuthorized("admin").SetRoles(Roles.Admin).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString()), new Claim(PortalClaims.TenantId, DefaultTenant.Id.ToString()));

        var page = context.Render<TenantDashboard>();

        page.WaitForAssertion(() =>
        {
            // The default tenant's running machine counts against its quota: the bar says so.
            Assert.Contains("Running vCPUs", page.Find("[data-testid=quota-bars]").TextContent);
            Assert.DoesNotMatch(@"(?<![0-9])0\s*of", page.Find("[data-testid=quota-runningVcpus]").TextContent);
        }, TimeSpan.FromSeconds(30));
        // libvirt's test driver reports no CPU time or memory for its domains: the lists say so instead of ranking zeros.
        Assert.Contains("no measurements yet", page.Find("[data-testid=top-cpu]").TextContent);
        Assert.Contains("no measurements yet", page.Find("[data-testid=top-memory]").TextContent);
    }

    private static MachineSummary Machine(string name) =>
        new(Guid.NewGuid(), name, DefaultTenant.Id, Guid.NewGuid(), MachineState.Running, 1, 512);

    [Fact]
    public void Rank_SevenMachines_TakesTheFiveHighestHighestFirstTiesByNameAndLeavesOutMachinesWithoutValue()
    {
        var values = new Dictionary<string, float>
        {
            ["a"] = 10, ["b"] = 90, ["c"] = float.NaN, ["d"] = 50, ["e"] = 50, ["f"] = 5, ["g"] = 70, ["h"] = 1,
        };
        var machines = values.Keys.Reverse().Select(Machine).ToList();

        var top = TopConsumers.Rank(machines, m => values[m.Name], 5);

        Assert.Equal(["b", "g", "d", "e", "a"], top.Select(t => t.Machine.Name));
        Assert.Equal([90f, 70f, 50f, 50f, 10f], top.Select(t => t.Value));
    }

    [Fact]
    public void Rank_NoMachineHasAValue_IsEmpty()
    {
        Assert.Empty(TopConsumers.Rank([Machine("a"), Machine("b")], _ => float.NaN, 5));
    }
}
