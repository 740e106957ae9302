using Bunit;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Components.Monitoring;
using MudBlazor.Services;
using static CloudPortal.Web.Components.Monitoring.HeatMap;

namespace CloudPortal.Web.Tests.Monitoring;

/// <summary>The fleet heat map: one readable cell per host at fleet scale, and hosts without samples never shown as 0 %.</summary>
public sealed class HeatMapTests
{
    private static HostView View(string name, HostConnectionState state = HostConnectionState.Connected, bool maintenance = false,
        int allocatedVcpus = 0, long allocatedMemoryMiB = 0) =>
        new(new Host { Id = Guid.NewGuid(), Name = name, Uri = "test:///default", Maintenance = maintenance },
            new HostStatus(Guid.NewGuid(), state, "QEMU", "kvm", 8, 16384, name, null, DateTimeOffset.UtcNow), 2, allocatedVcpus, allocatedMemoryMiB);

    private static float[] Sample(float cpu, float usedMiB = 4096, float totalMiB = 16384)
    {
        var values = Enumerable.Repeat(float.NaN, MetricCatalog.H.Count).ToArray();
        values[MetricCatalog.H.Cpu] = cpu;
        values[MetricCatalog.H.MemoryUsed] = usedMiB;
        values[MetricCatalog.H.MemoryTotal] = totalMiB;
        return values;
    }

    private static HostSamplingStatus Ok(HostView view) => new(view.Host.Id, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(5), null, false);

    [Fact]
    public void Cell_MeasuredHost_ColoursByTheChosenMetric()
    {
        var view = View("h1", allocatedVcpus: 16, allocatedMemoryMiB: 2048);

        Assert.Equal(37.5, FleetHeat.Cell(view, Sample(37.5f), Ok(view), FleetHeat.Cpu).Percent);
        Assert.Equal(25, FleetHeat.Cell(view, Sample(10, 4096, 16384), Ok(view), FleetHeat.Memory).Percent);
        // 16 of 8 CPUs x 4 (overcommit) = 50 %; memory 2048 of 16384 - 256 reserved is less.
        Assert.Equal(50, FleetHeat.Cell(view, Sample(10), Ok(view), FleetHeat.Allocated).Percent);
    }

    [Fact]
    public void Cell_HostFailingItsSampler_IsUnreachableWithoutAValue()
    {
        var view = View("down");
        var failing = new HostSamplingStatus(view.Host.Id, DateTimeOffset.UtcNow.AddMinutes(-1), null, "connection refused", true);

        var cell = FleetHeat.Cell(view, null, failing, FleetHeat.Cpu);

        Assert.Equal(HeatCellKind.Unreachable, cell.Kind);
        Assert.Null(cell.Percent);
        Assert.Contains("no samples: connection refused", cell.Tooltip);
    }

    [Fact]
    public void Cell_ConnectedButNotYetSampled_IsNoSampleNotZero()
    {
        var view = View("new");
        var cell = FleetHeat.Cell(view, null, new HostSamplingStatus(view.Host.Id, null, null, null, false), FleetHeat.Cpu);
        Assert.Equal(HeatCellKind.NoSample, cell.Kind);
        Assert.Null(cell.Percent);
    }

    [Fact]
    public void Render_150Hosts_OneCellEachAndTheUnreachableOnesMarked()
    {
        using var context = new BunitContext();
        context.Services.AddMudServices();
        var cells = Enumerable.Range(0, 150).Select(i =>
        {
            var view = View($"host-{i:D3}", i % 50 == 0 ? HostConnectionState.Unreachable : HostConnectionState.Connected);
            return FleetHeat.Cell(view, i % 50 == 0 ? null : Sample(i % 100), Ok(view), FleetHeat.Cpu);
        }).ToList();

        var map = context.Render<HeatMap>(p => p.Add(m => m.Cells, cells));

        var rendered = map.FindAll("[data-testid=heatmap-cell]");
        Assert.Equal(150, rendered.Count);
        var unreachable = rendered.Where(c => c.GetAttribute("data-kind") == "unreachable").ToList();
        Assert.Equal(3, unreachable.Count);
        Assert.All(unreachable, c => Assert.Null(c.GetAttribute("style")));
        var hot = rendered.Single(c => c.GetAttribute("data-host") == "host-099");
        Assert.Equal("99", hot.GetAttribute("data-value"));
        Assert.Contains(HeatMap.Colour(99), hot.GetAttribute("style"));
        Assert.NotEqual(HeatMap.Colour(0), HeatMap.Colour(100));
    }
}
