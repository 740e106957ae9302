using System.Runtime.InteropServices.Marshalling;

namespace LibvirtSharp.Native;

/// <summary>
/// Marshals a <c>char*</c> that libvirt hands over to the caller: copies it and releases it with libc <c>free</c>.
/// Never use it for <c>const char*</c> returns, which libvirt still owns.
/// </summary>
[CustomMarshaller(typeof(string), MarshalMode.ManagedToUnmanagedOut, typeof(OwnedUtf8StringMarshaller))]
internal static unsafe class OwnedUtf8StringMarshaller
{
    public static string? ConvertToManaged(byte* unmanaged) => Utf8StringMarshaller.ConvertToManaged(unmanaged);

    public static void Free(byte* unmanaged)
    {
        if (unmanaged != null)
            Interop.Free(unmanaged);
    }
}
