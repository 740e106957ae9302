using System.Runtime.InteropServices;

namespace LibvirtSharp;

/// <summary>
/// One owned reference to a libvirt object that has a name and a UUID (network, network filter, storage pool).
/// Both are read once when the reference is wrapped: they never change for the object's lifetime, and reading them
/// later could fail on a connection that has since dropped.
/// </summary>
public abstract class NamedLibvirtObject : IDisposable
{
    private const int UuidStringLength = 36; // VIR_UUID_STRING_BUFLEN without its terminator

    private readonly SafeHandle _handle;

    private protected NamedLibvirtObject(SafeHandle handle, (string Name, Guid Uuid) identity)
    {
        _handle = handle;
        (Name, Uuid) = identity;
    }

    /// <summary>The object's name.</summary>
    public string Name { get; }

    /// <summary>The object's UUID.</summary>
    public Guid Uuid { get; }

    /// <summary>Releases this reference; the libvirt object itself is not affected. Safe to call twice.</summary>
    public void Dispose()
    {
        _handle.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Uuid})";

    /// <summary>The live handle; throws once this reference is disposed.</summary>
    private protected SafeHandle LiveHandle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>
    /// Reads name and UUID through libvirt's <c>vir…GetName</c> and <c>vir…GetUUIDString</c> (<paramref name="kind"/>
    /// is the prefix, for error messages). Disposes the handle when either fails, so a half-made wrapper owns nothing.
    /// </summary>
    private protected static unsafe (string Name, Guid Uuid) ReadIdentity<THandle>(THandle handle,
        delegate*<THandle, byte*> getName, delegate*<THandle, byte*, int> getUuidString, string kind)
        where THandle : SafeHandle
    {
        try
        {
            byte* name = getName(handle);
            if (name == null)
                throw LibvirtException.FromLastError(kind + "GetName");
            byte* buf = stackalloc byte[UuidStringLength + 1];
            if (getUuidString(handle, buf) < 0)
                throw LibvirtException.FromLastError(kind + "GetUUIDString");
            return (Marshal.PtrToStringUTF8((nint)name)!, Guid.Parse(System.Text.Encoding.ASCII.GetString(buf, UuidStringLength)));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
