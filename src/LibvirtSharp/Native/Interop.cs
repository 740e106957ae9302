using System.Runtime.InteropServices;

namespace LibvirtSharp.Native;

/// <summary>P/Invoke surface of libvirt; split over partial files by libvirt object type.</summary>
internal static unsafe partial class Interop
{
    internal const string Lib = "libvirt.so.0";

    // Fully versioned soname: plain "libc" can resolve to the libc.so linker script on dev machines.
    private const string LibC = "libc.so.6";

    // libvirt allocates with malloc and frees with free, so ownership transfers must use the same allocator.
    [LibraryImport(LibC, EntryPoint = "free")]
    internal static partial void Free(void* ptr);

    [LibraryImport(LibC, EntryPoint = "malloc")]
    internal static partial void* Malloc(nuint size);

    [LibraryImport(Lib)]
    internal static partial int virInitialize();

    [LibraryImport(Lib)]
    internal static partial void virSetErrorFunc(void* userData, delegate* unmanaged[Cdecl]<void*, VirError*, void> handler);

    [LibraryImport(Lib)]
    internal static partial VirError* virGetLastError();

    [LibraryImport(Lib)]
    internal static partial void virResetLastError();

    [LibraryImport(Lib)]
    internal static partial int virEventRegisterDefaultImpl();

    [LibraryImport(Lib)]
    internal static partial int virEventRunDefaultImpl();
}
