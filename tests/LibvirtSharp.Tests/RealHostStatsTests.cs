namespace LibvirtSharp.Tests;

/// <summary>Removes cpm- guests a crashed earlier run of the monitoring tests left behind.</summary>
public sealed class MonitoringSweepFixture
{
    public const string Uri = "qemu:///system";
    public const string Prefix = "cpm-";

    public MonitoringSweepFixture()
    {
        using var conn = Connection.Open(Uri);
        foreach (var dom in conn.ListAllDomains())
        {
            using (dom)
            {
                if (dom.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    RealHostTests.DestroyAndUndefine(dom);
            }
        }
    }
}

[Trait("Category", "RealHost")]
public sealed class RealHostStatsTests : IClassFixture<MonitoringSweepFixture>, IDisposable
{
    private readonly string _name = MonitoringSweepFixture.Prefix + "lvs-" + Guid.NewGuid().ToString("N")[..8];
    private readonly Connection _conn = Connection.Open(MonitoringSweepFixture.Uri);

    public RealHostStatsTests(MonitoringSweepFixture sweep) => _ = sweep;

    public void Dispose()
    {
        try
        {
            using var dom = _conn.LookupDomainByName(_name);
            if (dom is not null)
                RealHostTests.DestroyAndUndefine(dom);
        }
        finally
        {
            _conn.Dispose();
        }
    }

    [Fact]
    public async Task GetAllDomainStats_RunningDisklessGuest_ReportsCpuBalloonVcpuAndCpuTimeGrows()
    {
        using var dom = _conn.DefineDomainXml($"""
            <domain type='qemu'>
              <name>{_name}</name>
              <memory unit='MiB'>64</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <devices>
                <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
                <serial type='pty'/>
              </devices>
            </domain>
            """);
        dom.Create();

        var first = Mine(_conn.GetAllDomainStats(DomainStatsGroups.Monitoring, DomainStatsFlags.Active));
        Assert.Equal(dom.Uuid, first.Uuid);
        Assert.Equal(DomainState.Running, first.State);
        Assert.Equal(64UL * 1024, first.GetUInt64("balloon.maximum"));
        Assert.Equal(1UL, first.GetUInt64("vcpu.current"));
        Assert.Equal(0UL, first.GetUInt64("block.count"));
        Assert.NotNull(first.GetUInt64("net.count"));
        ulong cpu0 = first.GetUInt64("cpu.time") ?? throw new Xunit.Sdk.XunitException("no cpu.time");

        // SeaBIOS keeps the vCPU busy under TCG: cpu.time must move within a generous window.
        ulong cpu1 = cpu0;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); cpu1 <= cpu0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(500);
            cpu1 = Mine(_conn.GetAllDomainStats(DomainStatsGroups.CpuTotal, DomainStatsFlags.Active)).GetUInt64("cpu.time")!.Value;
        }
        Assert.True(cpu1 > cpu0, $"cpu.time stayed at {cpu0}");

        dom.Destroy();
        Assert.DoesNotContain(_conn.GetAllDomainStats(DomainStatsGroups.State, DomainStatsFlags.Active), r => r.Name == _name);
    }

    [Fact]
    public void NodeStats_RealHost_ReportCpuTimesAndMemory()
    {
        var cpu = _conn.GetNodeCpuStats();
        Assert.True(cpu.Get("idle") > 0);
        Assert.NotNull(cpu.Get("kernel"));
        var memory = _conn.GetNodeMemoryStats();
        Assert.True(memory.Get("total") > 0);
        Assert.True(memory.Get("free") <= memory.Get("total"));
    }

    private DomainStatsRecord Mine(IReadOnlyList<DomainStatsRecord> records) => Assert.Single(records, r => r.Name == _name);
}
