using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>An open hypervisor connection (<c>virConnectPtr</c>). Thread-safe; dispose to close.</summary>
public sealed partial class Connection : IDisposable
{
    private const uint DefineValidate = 1;
    private const int ErrNoDomain = 42;
    private const int ErrNoSupport = 3;

    private readonly ConnectHandle _handle;
    private readonly Lock _subscriptionGate = new();
    private readonly HashSet<IDisposable> _subscriptions = [];
    private int _disposed;

    private Connection(ConnectHandle handle, string uri)
    {
        _handle = handle;
        Uri = uri;
    }

    /// <summary>The URI that was requested when opening.</summary>
    public string Uri { get; }

    /// <summary>Whether the connection is usable; false once disposed or when libvirt reports it dead.</summary>
    public bool IsAlive
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0)
                return false;
            int alive = Interop.virConnectIsAlive(_handle);
            if (alive < 0)
                LibvirtException.ResetLastError();
            return alive == 1;
        }
    }

    /// <summary>
    /// Opens <paramref name="uri"/> (<c>virConnectOpenAuth</c>), answering credential prompts from
    /// <paramref name="credentials"/>. Without credentials, any prompt fails authentication.
    /// </summary>
    public static Connection Open(string uri, ConnectionCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        LibvirtEventLoop.EnsureStarted();
        ConnectHandle handle = ConnectionAuth.Open(uri, credentials);
        return new Connection(handle, uri);
    }

    /// <summary>Enables client keepalive probes; a no-op on drivers without keepalive support.</summary>
    public void SetKeepAlive(int intervalSeconds, uint count)
    {
        // Drivers without keepalive answer 1 (documented) or VIR_ERR_NO_SUPPORT (the test driver);
        // callers cannot act on either, and such connections cannot silently die anyway.
        if (Interop.virConnectSetKeepAlive(Handle, intervalSeconds, count) >= 0)
            return;
        var ex = LibvirtException.FromLastError("virConnectSetKeepAlive");
        if (ex.Code != ErrNoSupport)
            throw ex;
    }

    /// <summary>Host CPU and memory summary.</summary>
    public unsafe NodeInfo GetNodeInfo()
    {
        VirNodeInfo info;
        if (Interop.virNodeGetInfo(Handle, &info) < 0)
            throw LibvirtException.FromLastError("virNodeGetInfo");
        // model is a fixed buffer that is NUL-terminated only when shorter than 32 bytes.
        var model = new ReadOnlySpan<byte>(info.Model, 32);
        int len = model.IndexOf((byte)0);
        string modelText = System.Text.Encoding.UTF8.GetString(len < 0 ? model : model[..len]);
        return new NodeInfo(modelText, info.Memory.Value, info.Cpus, info.Mhz, info.Nodes, info.Sockets, info.Cores, info.Threads);
    }

    /// <summary>The host capabilities XML.</summary>
    public string GetCapabilities() =>
        Interop.virConnectGetCapabilities(Handle) ?? throw LibvirtException.FromLastError("virConnectGetCapabilities");

    /// <summary>The domain capabilities XML for the given emulator/arch/machine/virt type (null = driver default).</summary>
    public string GetDomainCapabilities(string? emulatorBinary, string? arch, string? machine, string? virtType) =>
        Interop.virConnectGetDomainCapabilities(Handle, emulatorBinary, arch, machine, virtType, 0)
        ?? throw LibvirtException.FromLastError("virConnectGetDomainCapabilities");

    /// <summary>The driver name, e.g. "QEMU" or "TEST".</summary>
    public unsafe string GetHypervisorType()
    {
        byte* type = Interop.virConnectGetType(Handle);
        if (type == null)
            throw LibvirtException.FromLastError("virConnectGetType");
        return Marshal.PtrToStringUTF8((nint)type)!;
    }

    /// <summary>The hypervisor version.</summary>
    public Version GetHypervisorVersion()
    {
        if (Interop.virConnectGetVersion(Handle, out CULong version) < 0)
            throw LibvirtException.FromLastError("virConnectGetVersion");
        return DecodeVersion(version.Value);
    }

    /// <summary>The libvirt version on the daemon side of the connection.</summary>
    public Version GetLibraryVersion()
    {
        if (Interop.virConnectGetLibVersion(Handle, out CULong version) < 0)
            throw LibvirtException.FromLastError("virConnectGetLibVersion");
        return DecodeVersion(version.Value);
    }

    /// <summary>The hypervisor host name.</summary>
    public string GetHostname() =>
        Interop.virConnectGetHostname(Handle) ?? throw LibvirtException.FromLastError("virConnectGetHostname");

    /// <summary>All domains, active and inactive. Each returned <see cref="Domain"/> must be disposed.</summary>
    public unsafe IReadOnlyList<Domain> ListAllDomains()
    {
        int count = Interop.virConnectListAllDomains(Handle, out nint* array, 0);
        if (count < 0)
            throw LibvirtException.FromLastError("virConnectListAllDomains");

        var result = new List<Domain>(count);
        int taken = 0;
        try
        {
            for (; taken < count; taken++)
            {
                // Ownership moves to the handle before anything can throw, so nothing leaks on failure.
                var handle = new DomainHandle(array[taken]);
                array[taken] = 0;
                result.Add(new Domain(handle));
            }
            return result;
        }
        catch
        {
            foreach (var domain in result)
                domain.Dispose();
            for (int i = taken; i < count; i++)
                if (array[i] != 0)
                    Interop.virDomainFree(array[i]);
            throw;
        }
        finally
        {
            Interop.Free(array);
        }
    }

    /// <summary>Defines (or redefines) a persistent domain, validating the XML against libvirt's schema.</summary>
    public Domain DefineDomainXml(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return Wrap(Interop.virDomainDefineXMLFlags(Handle, xml, DefineValidate), "virDomainDefineXMLFlags")!;
    }

    /// <summary>The domain with this UUID, or null if there is none.</summary>
    public Domain? LookupDomainByUuid(Guid uuid) =>
        Wrap(Interop.virDomainLookupByUUIDString(Handle, uuid.ToString("D")), "virDomainLookupByUUIDString", nullWhenMissing: true);

    /// <summary>The domain with this name, or null if there is none.</summary>
    public Domain? LookupDomainByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Wrap(Interop.virDomainLookupByName(Handle, name), "virDomainLookupByName", nullWhenMissing: true);
    }

    /// <summary>Closes the connection, ending all subscriptions made through it. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;

        IDisposable[] subscriptions;
        lock (_subscriptionGate)
        {
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }
        // Callbacks must be deregistered while the connection still exists, or their GC handles would leak.
        foreach (var subscription in subscriptions)
            subscription.Dispose();
        _closeDispatcher?.Dispose();
        _handle.Dispose();
    }

    private static Version DecodeVersion(ulong encoded) =>
        new((int)(encoded / 1_000_000), (int)(encoded / 1_000 % 1_000), (int)(encoded % 1_000));

    private static Domain? Wrap(DomainHandle handle, string operation, bool nullWhenMissing = false)
    {
        if (!handle.IsInvalid)
            return new Domain(handle);

        handle.Dispose();
        var ex = LibvirtException.FromLastError(operation);
        if (nullWhenMissing && ex.Code == ErrNoDomain)
            return null;
        throw ex;
    }

    internal ConnectHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _handle;
        }
    }

    internal void Track(IDisposable subscription)
    {
        lock (_subscriptionGate)
            _subscriptions.Add(subscription);
    }

    internal void Untrack(IDisposable subscription)
    {
        lock (_subscriptionGate)
            _subscriptions.Remove(subscription);
    }
}
