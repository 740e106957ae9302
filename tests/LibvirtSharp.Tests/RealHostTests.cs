using LibvirtSharp;

namespace LibvirtSharp.Tests;

/// <summary>Removes guests left behind by a crashed earlier run, once per test class.</summary>
public sealed class RealHostSweepFixture
{
    public const string Uri = "qemu:///system";
    public const string Prefix = "lvs-test-";

    public RealHostSweepFixture()
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
public sealed class RealHostTests : IClassFixture<RealHostSweepFixture>, IAsyncLifetime
{
    // Taking the fixture makes xunit run the leftover sweep before the first test of this class.
    public RealHostTests(RealHostSweepFixture sweep) => _ = sweep;

    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(20);

    private readonly string _name = RealHostSweepFixture.Prefix + Guid.NewGuid().ToString("N")[..8];
    private Connection _conn = null!;

    public Task InitializeAsync()
    {
        _conn = Connection.Open(RealHostSweepFixture.Uri);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        // Runs whether or not the test passed, so a failing assertion never leaks a guest.
        try
        {
            using var dom = _conn.LookupDomainByName(_name);
            if (dom is not null)
                DestroyAndUndefine(dom);
        }
        finally
        {
            _conn.Dispose();
        }
        return Task.CompletedTask;
    }

    internal static void DestroyAndUndefine(Domain dom)
    {
        if (dom.IsActive)
            dom.Destroy();
        if (dom.IsPersistent)
            dom.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram);
    }

    private string GuestXml() => $"""
        <domain type='qemu'>
          <name>{_name}</name>
          <memory unit='MiB'>64</memory>
          <vcpu>1</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
            <boot dev='hd'/>
          </os>
          <devices>
            <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
            <serial type='pty'/>
            <console type='pty'/>
          </devices>
        </domain>
        """;

    [Fact]
    public void Connection_RealHost_ReportsQemuAndNodeInfo()
    {
        Assert.True(_conn.IsAlive);
        Assert.Equal("QEMU", _conn.GetHypervisorType());
        Assert.True(_conn.GetHypervisorVersion().Major > 0);
        Assert.True(_conn.GetNodeInfo().Cpus > 0);
        Assert.Contains("<domainCapabilities>", _conn.GetDomainCapabilities(null, "x86_64", null, "qemu"));
        _conn.SetKeepAlive(5, 3);
    }

    [Fact]
    public async Task DefineDomainXml_DisklessGuest_RunsThroughLifecycle()
    {
        var started = new TaskCompletionSource<DomainLifecycleEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = _conn.SubscribeLifecycleEvents(e =>
        {
            if (e.DomainName == _name && e.Type == DomainEventType.Started)
                started.TrySetResult(e);
        });

        using var dom = _conn.DefineDomainXml(GuestXml());
        Guid uuid = dom.Uuid;
        Assert.Equal(DomainState.Shutoff, dom.GetState().State);

        dom.Create();
        Assert.Equal(DomainState.Running, dom.GetState().State);
        var startedEvent = await started.Task.WaitAsync(EventTimeout);
        Assert.Equal(uuid, startedEvent.DomainUuid);

        dom.Suspend();
        Assert.Equal(DomainState.Paused, dom.GetState().State);

        dom.Resume();
        Assert.Equal(DomainState.Running, dom.GetState().State);
        Assert.Equal(64UL * 1024, dom.GetInfo().MaxMemoryKiB);

        dom.Destroy();
        Assert.Equal(DomainState.Shutoff, dom.GetState().State);

        dom.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram);
        Assert.Null(_conn.LookupDomainByUuid(uuid));
    }

    [Fact]
    public void SetMetadataElement_RunningGuest_LiveAndConfigRoundtrip()
    {
        const string ns = "https://cloudportal.dev/xmlns/machine/1";
        using var dom = _conn.DefineDomainXml(GuestXml());
        dom.Create();

        dom.SetMetadataElement("<machine id='42'/>", "cp", ns, MetadataImpact.Live | MetadataImpact.Config);
        Assert.Contains("id=\"42\"", dom.GetMetadataElement(ns, MetadataImpact.Live));
        Assert.Contains("id=\"42\"", dom.GetMetadataElement(ns, MetadataImpact.Config));

        dom.SetMetadataElement(null, "cp", ns, MetadataImpact.Live | MetadataImpact.Config);
        Assert.Null(dom.GetMetadataElement(ns, MetadataImpact.Live));
    }

    [Fact]
    public async Task OpenConsole_ReaderBlockedOnSilentGuest_AbortFromAnotherThreadReleasesIt()
    {
        using var dom = _conn.DefineDomainXml(GuestXml());
        dom.Create();
        using var stream = Stream.Create(_conn);
        dom.OpenConsole(stream);
        stream.Send("\r\n"u8);

        // SeaBIOS prints nothing on the serial port, so the reader really blocks until the abort.
        var reader = Task.Factory.StartNew(() =>
        {
            var buffer = new byte[256];
            try
            {
                while (stream.Receive(buffer) > 0)
                {
                }
                return "end";
            }
            catch (LibvirtException)
            {
                return "aborted";
            }
        }, TaskCreationOptions.LongRunning);

        await Task.Delay(500);
        Assert.False(reader.IsCompleted);
        stream.Abort();
        Assert.Contains(await reader.WaitAsync(TimeSpan.FromSeconds(20)), new[] { "end", "aborted" });
        Assert.True(stream.HasEnded);
    }

    [Fact]
    public void OpenConsole_SecondSession_RefusedWithoutForceTakenOverWithForce()
    {
        using var dom = _conn.DefineDomainXml(GuestXml());
        dom.Create();
        using var first = Stream.Create(_conn);
        dom.OpenConsole(first);

        using var second = Stream.Create(_conn);
        var refused = Assert.Throws<LibvirtException>(() => dom.OpenConsole(second));
        Assert.Contains("console", refused.Message, StringComparison.OrdinalIgnoreCase);

        using var third = Stream.Create(_conn);
        dom.OpenConsole(third, force: true);
        third.Send("\r"u8);
    }
}
