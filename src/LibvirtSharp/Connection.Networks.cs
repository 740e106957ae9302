using LibvirtSharp.Native;

namespace LibvirtSharp;

public sealed partial class Connection
{
    private const int ErrNoNetwork = 43;
    private const int ErrNoNWFilter = 62;

    /// <summary>Defines (or redefines) a persistent network; it is not started.</summary>
    public Network DefineNetworkXml(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return WrapNetwork(Interop.virNetworkDefineXML(Handle, xml), "virNetworkDefineXML")!;
    }

    /// <summary>The network with this name, or null if there is none.</summary>
    public Network? LookupNetworkByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return WrapNetwork(Interop.virNetworkLookupByName(Handle, name), "virNetworkLookupByName", nullWhenMissing: true);
    }

    /// <summary>The network with this UUID, or null if there is none.</summary>
    public Network? LookupNetworkByUuid(Guid uuid) =>
        WrapNetwork(Interop.virNetworkLookupByUUIDString(Handle, uuid.ToString("D")), "virNetworkLookupByUUIDString", nullWhenMissing: true);

    /// <summary>All networks, active and inactive. Each returned <see cref="Network"/> must be disposed.</summary>
    public unsafe IReadOnlyList<Network> ListAllNetworks()
    {
        int count = Interop.virConnectListAllNetworks(Handle, out nint* array, 0);
        if (count < 0)
            throw LibvirtException.FromLastError("virConnectListAllNetworks");
        return TakeAll(array, count, raw => new Network(new NetworkHandle(raw)), raw => Interop.virNetworkFree(raw));
    }

    /// <summary>Defines (or redefines) a network filter; running guests that reference it get the new rules.</summary>
    public NWFilter DefineNWFilterXml(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return WrapFilter(Interop.virNWFilterDefineXML(Handle, xml), "virNWFilterDefineXML")!;
    }

    /// <summary>The network filter with this name, or null if there is none.</summary>
    public NWFilter? LookupNWFilterByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return WrapFilter(Interop.virNWFilterLookupByName(Handle, name), "virNWFilterLookupByName", nullWhenMissing: true);
    }

    /// <summary>All network filters. Each returned <see cref="NWFilter"/> must be disposed.</summary>
    public unsafe IReadOnlyList<NWFilter> ListAllNWFilters()
    {
        int count = Interop.virConnectListAllNWFilters(Handle, out nint* array, 0);
        if (count < 0)
            throw LibvirtException.FromLastError("virConnectListAllNWFilters");
        return TakeAll(array, count, raw => new NWFilter(new NWFilterHandle(raw)), raw => Interop.virNWFilterFree(raw));
    }

    private static unsafe List<T> TakeAll<T>(nint* array, int count, Func<nint, T> wrap, Action<nint> free) where T : IDisposable
    {
        var result = new List<T>(count);
        int taken = 0;
        try
        {
            for (; taken < count; taken++)
            {
                // Ownership moves to the wrapper before anything can throw, so nothing leaks on failure.
                nint raw = array[taken];
                array[taken] = 0;
                result.Add(wrap(raw));
            }
            return result;
        }
        catch
        {
            foreach (var item in result)
                item.Dispose();
            for (int i = taken; i < count; i++)
                if (array[i] != 0)
                    free(array[i]);
            throw;
        }
        finally
        {
            Interop.Free(array);
        }
    }

    private static Network? WrapNetwork(NetworkHandle handle, string operation, bool nullWhenMissing = false)
    {
        if (!handle.IsInvalid)
            return new Network(handle);
        handle.Dispose();
        var ex = LibvirtException.FromLastError(operation);
        if (nullWhenMissing && ex.Code == ErrNoNetwork)
            return null;
        throw ex;
    }

    private static NWFilter? WrapFilter(NWFilterHandle handle, string operation, bool nullWhenMissing = false)
    {
        if (!handle.IsInvalid)
            return new NWFilter(handle);
        handle.Dispose();
        var ex = LibvirtException.FromLastError(operation);
        if (nullWhenMissing && ex.Code == ErrNoNWFilter)
            return null;
        throw ex;
    }
}
