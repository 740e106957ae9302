using Microsoft.Win32.SafeHandles;

namespace LibvirtSharp.Native;

/// <summary>Owns one reference on a <c>virConnectPtr</c>.</summary>
internal sealed class ConnectHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ConnectHandle() : base(ownsHandle: true) { }

    // virConnectClose returns the remaining refcount; a positive value is not a failure.
    protected override bool ReleaseHandle() => Interop.virConnectClose(handle) >= 0;
}

/// <summary>Owns one reference on a <c>virDomainPtr</c>.</summary>
internal sealed class DomainHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DomainHandle() : base(ownsHandle: true) { }

    internal DomainHandle(nint existing) : base(ownsHandle: true) => SetHandle(existing);

    protected override bool ReleaseHandle() => Interop.virDomainFree(handle) == 0;
}

/// <summary>Owns one reference on a <c>virStreamPtr</c>.</summary>
internal sealed class StreamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public StreamHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle() => Interop.virStreamFree(handle) == 0;
}

/// <summary>Owns one reference on a <c>virStoragePoolPtr</c>.</summary>
internal sealed class StoragePoolHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public StoragePoolHandle() : base(ownsHandle: true) { }

    internal StoragePoolHandle(nint existing) : base(ownsHandle: true) => SetHandle(existing);

    protected override bool ReleaseHandle() => Interop.virStoragePoolFree(handle) == 0;
}

/// <summary>Owns one reference on a <c>virStorageVolPtr</c>.</summary>
internal sealed class StorageVolumeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public StorageVolumeHandle() : base(ownsHandle: true) { }

    internal StorageVolumeHandle(nint existing) : base(ownsHandle: true) => SetHandle(existing);

    protected override bool ReleaseHandle() => Interop.virStorageVolFree(handle) == 0;
}

/// <summary>Owns one reference on a <c>virNetworkPtr</c>.</summary>
internal sealed class NetworkHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public NetworkHandle() : base(ownsHandle: true) { }

    internal NetworkHandle(nint existing) : base(ownsHandle: true) => SetHandle(existing);

    protected override bool ReleaseHandle() => Interop.virNetworkFree(handle) == 0;
}

/// <summary>Owns one reference on a <c>virNWFilterPtr</c>.</summary>
internal sealed class NWFilterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public NWFilterHandle() : base(ownsHandle: true) { }

    internal NWFilterHandle(nint existing) : base(ownsHandle: true) => SetHandle(existing);

    protected override bool ReleaseHandle() => Interop.virNWFilterFree(handle) == 0;
}

/// <summary>Owns one reference on a <c>virDomainSnapshotPtr</c>.</summary>
internal sealed class DomainSnapshotHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DomainSnapshotHandle() : base(ownsHandle: true) { }

    internal DomainSnapshotHandle(nint existing) : base(ownsHandle: true) => SetHandle(existing);

    protected override bool ReleaseHandle() => Interop.virDomainSnapshotFree(handle) == 0;
}
