using LibvirtSharp;

namespace LibvirtSharp.Tests;

/// <summary>Runs against libvirt's in-process test driver, which every open in this process shares.</summary>
public sealed class TestDriverTests : IDisposable
{
    private const string TestUri = "test:///default";
    private const string MetadataNs = "https://cloudportal.dev/xmlns/machine/1";
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);

    private readonly Connection _conn = Connection.Open(TestUri);

    public void Dispose() => _conn.Dispose();

    private static string DomainXml(string name) => $"""
        <domain type='test'>
          <name>{name}</name>
          <memory unit='MiB'>64</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
        </domain>
        """;

    private static string UniqueName() => "unit-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void Open_TestDriver_IsAliveAndKeepsUri()
    {
        Assert.True(_conn.IsAlive);
        Assert.Equal(TestUri, _conn.Uri);
    }

    [Fact]
    public void GetNodeInfo_TestDriver_Reports16Cpus()
    {
        var info = _conn.GetNodeInfo();
        Assert.Equal(16u, info.Cpus);
        Assert.True(info.MemoryKiB > 0);
        Assert.False(string.IsNullOrEmpty(info.Model));
    }

    [Fact]
    public void GetCapabilities_TestDriver_ReturnsCapabilitiesXml()
    {
        Assert.Contains("<capabilities>", _conn.GetCapabilities());
    }

    [Fact]
    public void GetHypervisorType_TestDriver_ReturnsTest()
    {
        Assert.Equal("TEST", _conn.GetHypervisorType());
    }

    [Fact]
    public void GetVersions_TestDriver_DecodeToPlausibleVersions()
    {
        Assert.True(_conn.GetHypervisorVersion() >= new Version(0, 0, 1));
        Assert.True(_conn.GetLibraryVersion() >= new Version(9, 0, 0));
    }

    [Fact]
    public void GetHostname_TestDriver_ReturnsNonEmpty()
    {
        Assert.False(string.IsNullOrEmpty(_conn.GetHostname()));
    }

    [Fact]
    public void SetKeepAlive_UnsupportedDriver_DoesNotThrow()
    {
        _conn.SetKeepAlive(5, 3);
    }

    [Fact]
    public void ListAllDomains_TestDriver_ContainsTestDomain()
    {
        var domains = _conn.ListAllDomains();
        try
        {
            Assert.Contains(domains, d => d.Name == "test");
        }
        finally
        {
            foreach (var d in domains)
                d.Dispose();
        }
    }

    [Fact]
    public void LookupDomainByName_ExistingDomain_ReturnsSameUuidAsByUuid()
    {
        using var byName = _conn.LookupDomainByName("test");
        Assert.NotNull(byName);
        using var byUuid = _conn.LookupDomainByUuid(byName.Uuid);
        Assert.NotNull(byUuid);
        Assert.Equal("test", byUuid.Name);
        Assert.True(byName.IsActive);
        Assert.Equal(DomainState.Running, byName.GetInfo().State);
    }

    [Fact]
    public void LookupDomainByUuid_RandomGuid_ReturnsNull()
    {
        Assert.Null(_conn.LookupDomainByUuid(Guid.NewGuid()));
    }

    [Fact]
    public void LookupDomainByName_Unknown_ReturnsNull()
    {
        Assert.Null(_conn.LookupDomainByName(UniqueName()));
    }

    [Fact]
    public void DefineDomainXml_FullLifecycle_StateFollowsEachStep()
    {
        string name = UniqueName();
        using var dom = _conn.DefineDomainXml(DomainXml(name));
        try
        {
            Assert.Equal(name, dom.Name);
            Assert.True(dom.IsPersistent);
            Assert.Equal(DomainState.Shutoff, dom.GetState().State);

            dom.Create();
            Assert.Equal(DomainState.Running, dom.GetState().State);
            Assert.True(dom.IsActive);

            dom.Suspend();
            Assert.Equal(DomainState.Paused, dom.GetState().State);

            dom.Resume();
            Assert.Equal(DomainState.Running, dom.GetState().State);

            dom.Destroy();
            Assert.Equal(DomainState.Shutoff, dom.GetState().State);
            Assert.False(dom.IsActive);
            Assert.False(dom.HasManagedSaveImage);
            Assert.Contains($"<name>{name}</name>", dom.GetXmlDescription(inactive: true));

            dom.Undefine(DomainUndefineFlags.None);
            Assert.Null(_conn.LookupDomainByName(name));
        }
        finally
        {
            Cleanup(name);
        }
    }

    [Fact]
    public async Task SubscribeLifecycleEvents_DefineAndStart_ReceivesDefinedAndStarted()
    {
        string name = UniqueName();
        var defined = new TaskCompletionSource<DomainLifecycleEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource<DomainLifecycleEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = _conn.SubscribeLifecycleEvents(e =>
        {
            if (e.DomainName != name)
                return;
            if (e.Type == DomainEventType.Defined)
                defined.TrySetResult(e);
            else if (e.Type == DomainEventType.Started)
                started.TrySetResult(e);
        });
        try
        {
            using var dom = _conn.DefineDomainXml(DomainXml(name));
            var definedEvent = await defined.Task.WaitAsync(EventTimeout);
            Assert.Equal(dom.Uuid, definedEvent.DomainUuid);

            dom.Create();
            var startedEvent = await started.Task.WaitAsync(EventTimeout);
            Assert.Equal(dom.Uuid, startedEvent.DomainUuid);
        }
        finally
        {
            Cleanup(name);
        }
    }

    [Fact]
    public async Task SubscribeLifecycleEvents_HandlerThrows_LaterEventsStillDelivered()
    {
        string name = UniqueName();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = _conn.SubscribeLifecycleEvents(e =>
        {
            if (e.DomainName != name)
                return;
            if (e.Type == DomainEventType.Started)
                started.TrySetResult();
            throw new InvalidOperationException("handler failure must not reach native code");
        });
        try
        {
            using var dom = _conn.DefineDomainXml(DomainXml(name));
            dom.Create();
            await started.Task.WaitAsync(EventTimeout);
        }
        finally
        {
            Cleanup(name);
        }
    }

    [Fact]
    public void SubscribeLifecycleEvents_DisposeTwice_IsHarmless()
    {
        var sub = _conn.SubscribeLifecycleEvents(_ => { });
        sub.Dispose();
        sub.Dispose();
    }

    [Fact]
    public void SubscribeClosed_MultipleHandlers_SubscribeAndDisposeWithoutError()
    {
        var first = _conn.SubscribeClosed(_ => { });
        var second = _conn.SubscribeClosed(_ => { });
        first.Dispose();
        second.Dispose();
        second.Dispose();
    }

    [Fact]
    public void SetMetadataElement_Roundtrip_SetGetRemove()
    {
        string name = UniqueName();
        using var dom = _conn.DefineDomainXml(DomainXml(name));
        try
        {
            Assert.Null(dom.GetMetadataElement(MetadataNs));

            dom.SetMetadataElement("<machine owner='alice'/>", "cp", MetadataNs, MetadataImpact.Config);
            string? xml = dom.GetMetadataElement(MetadataNs, MetadataImpact.Config);
            Assert.NotNull(xml);
            Assert.Contains("owner=\"alice\"", xml);
            Assert.Contains(MetadataNs, dom.GetXmlDescription(inactive: true));

            dom.SetMetadataElement(null, "cp", MetadataNs, MetadataImpact.Config);
            Assert.Null(dom.GetMetadataElement(MetadataNs, MetadataImpact.Config));
        }
        finally
        {
            Cleanup(name);
        }
    }

    [Fact]
    public void DefineDomainXml_InvalidXml_ThrowsLibvirtExceptionWithCodeAndMessage()
    {
        var ex = Assert.Throws<LibvirtException>(() => _conn.DefineDomainXml("<domain type='test'><name>broken"));
        Assert.NotEqual(0, ex.Code);
        Assert.NotEqual(0, ex.ErrorDomain);
        Assert.False(string.IsNullOrWhiteSpace(ex.LibvirtMessage));
        Assert.False(ex.IsNoDomain);
    }

    [Fact]
    public void DefineDomainXml_SchemaViolation_ThrowsLibvirtException()
    {
        // Well-formed but not schema-valid: proves VIR_DOMAIN_DEFINE_VALIDATE is passed.
        string xml = DomainXml(UniqueName()).Replace("<vcpu>1</vcpu>", "<vcpu>1</vcpu><notAnElement/>");
        var ex = Assert.Throws<LibvirtException>(() => _conn.DefineDomainXml(xml));
        Assert.NotEqual(0, ex.Code);
    }

    [Fact]
    public void Open_UnknownScheme_ThrowsLibvirtException()
    {
        var ex = Assert.Throws<LibvirtException>(() => Connection.Open("nosuchdriver:///x"));
        Assert.NotEqual(0, ex.Code);
        Assert.False(string.IsNullOrWhiteSpace(ex.LibvirtMessage));
    }

    [Fact]
    public void Open_WithCredentials_TestDriverIgnoresThem()
    {
        using var conn = Connection.Open(TestUri, new ConnectionCredentials("user", "secret"));
        Assert.True(conn.IsAlive);
    }

    [Fact]
    public void Dispose_CalledTwice_IsHarmless()
    {
        var conn = Connection.Open(TestUri);
        var sub = conn.SubscribeLifecycleEvents(_ => { });
        conn.Dispose();
        conn.Dispose();
        sub.Dispose();
        Assert.False(conn.IsAlive);
    }

    [Fact]
    public void Connection_CallAfterDispose_ThrowsObjectDisposedException()
    {
        var conn = Connection.Open(TestUri);
        conn.Dispose();
        Assert.Throws<ObjectDisposedException>(() => conn.GetHostname());
        Assert.Throws<ObjectDisposedException>(() => conn.ListAllDomains());
        Assert.Throws<ObjectDisposedException>(() => conn.SubscribeLifecycleEvents(_ => { }));
    }

    [Fact]
    public void Domain_CallAfterDispose_ThrowsObjectDisposedException()
    {
        var dom = _conn.LookupDomainByName("test")!;
        dom.Dispose();
        dom.Dispose();
        Assert.Equal("test", dom.Name);
        Assert.Throws<ObjectDisposedException>(() => dom.GetState());
        Assert.Throws<ObjectDisposedException>(() => dom.IsActive);
    }

    [Fact]
    public void LibvirtException_ConnectionCodes_AreConnectionLost()
    {
        Assert.True(new LibvirtException(38, 7, "x").IsConnectionLost);
        Assert.True(new LibvirtException(38, 13, "x").IsConnectionLost);
        // VIR_FROM_QEMU: a guest's monitor went away (the guest was destroyed mid-call), not the host's connection.
        Assert.False(new LibvirtException(38, 10, "Unable to read from monitor: Connection reset by peer").IsConnectionLost);
        Assert.True(new LibvirtException(39, 7, "x").IsConnectionLost);
        Assert.True(new LibvirtException(5, 0, "x").IsConnectionLost);
        Assert.True(new LibvirtException(6, 0, "x").IsConnectionLost);
        Assert.True(new LibvirtException(1, 7, "client socket is closed").IsConnectionLost);
        Assert.False(new LibvirtException(42, 10, "x").IsConnectionLost);
        Assert.True(new LibvirtException(42, 10, "x").IsNoDomain);
    }

    private void Cleanup(string name)
    {
        using var dom = _conn.LookupDomainByName(name);
        if (dom is null)
            return;
        if (dom.IsActive)
            dom.Destroy();
        if (dom.IsPersistent)
            dom.Undefine(DomainUndefineFlags.None);
    }
}
