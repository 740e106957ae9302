using System.Runtime.InteropServices;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib)]
    internal static partial StreamHandle virStreamNew(ConnectHandle conn, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStreamFree(nint stream);

    [LibraryImport(Lib)]
    internal static partial int virStreamSend(StreamHandle stream, byte* data, nuint nbytes);

    [LibraryImport(Lib)]
    internal static partial int virStreamRecv(StreamHandle stream, byte* data, nuint nbytes);

    [LibraryImport(Lib)]
    internal static partial int virStreamFinish(StreamHandle stream);

    [LibraryImport(Lib)]
    internal static partial int virStreamAbort(StreamHandle stream);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainOpenConsole(DomainHandle domain, string? devName, StreamHandle stream, uint flags);
}
