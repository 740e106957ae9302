using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib)]
    internal static partial int virDomainFree(nint domain);

    // Returns a pointer into the domain object: must not be freed. Takes a raw pointer because
    // event callbacks only borrow the domain.
    [LibraryImport(Lib, EntryPoint = "virDomainGetName")]
    internal static partial byte* virDomainGetNameRaw(nint domain);

    [LibraryImport(Lib, EntryPoint = "virDomainGetUUIDString")]
    internal static partial int virDomainGetUUIDStringRaw(nint domain, byte* buf);

    [LibraryImport(Lib)]
    internal static partial byte* virDomainGetName(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainGetUUIDString(DomainHandle domain, byte* buf);

    [LibraryImport(Lib)]
    internal static partial int virDomainCreate(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainShutdown(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainDestroy(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainSuspend(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainResume(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainReboot(DomainHandle domain, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainReset(DomainHandle domain, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainRename(DomainHandle domain, string newName, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainManagedSave(DomainHandle domain, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainHasManagedSaveImage(DomainHandle domain, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainIsActive(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainIsPersistent(DomainHandle domain);

    [LibraryImport(Lib)]
    internal static partial int virDomainUndefineFlags(DomainHandle domain, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainGetInfo(DomainHandle domain, VirDomainInfo* info);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virDomainGetXMLDesc(DomainHandle domain, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virDomainGetMetadata(DomainHandle domain, int type, string? uri, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainSetMetadata(
        DomainHandle domain, int type, string? metadata, string? key, string? uri, uint flags);
}

internal static unsafe partial class Interop
{
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainAttachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainDetachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainBlockResize(DomainHandle domain, string disk, ulong size, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainUpdateDeviceFlags(DomainHandle domain, string xml, uint flags);
}
