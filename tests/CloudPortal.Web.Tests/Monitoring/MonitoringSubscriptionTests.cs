using System.Security.Claims;
using Bunit;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Monitoring;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CloudPortal.Web.Tests.Monitoring;

/// <summary>
/// Issue 6, faults: a browser that goes away leaves no subscription behind. A machine's live charts rendered over the
/// running portal's own services listen to its samples while open and stop when the circuit disposes them.
/// </summary>
public sealed class MonitoringSubscriptionTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    [Fact]
    public async Task MachineMonitoring_OpenedThenCircuitDisposed_ListensWhileOpenAndLeavesNoSubscription()
    {
        var machine = await portal.Admin.CreateRunningMachineAsync(PortalApi.UniqueName("sub"));
        var services = portal.Factory.Services;
        var series = services.GetRequiredService<MetricSeries>();
        int before = series.SampledListeners;

        var context = await PortalBunit.SignedInAsync(services, "admin", Roles.Admin,
            typeof(MetricSeries), typeof(MetricsQuery), typeof(MachineService), typeof(AlertService), typeof(AlertNotifications));
        try
        {
            var page = context.Render<MachineMonitoring>(p => p.Add(x => x.Id, machine.GetProperty("id").GetGuid()));

            page.WaitForAssertion(() => Assert.Equal(before + 1, series.SampledListeners), TimeSpan.FromSeconds(10));
        }
        finally
        {
            // What Blazor does when the browser's circuit goes: every component of it is disposed.
            await context.DisposeAsync();
        }
        Assert.Equal(before, series.SampledListeners);
    }
}
