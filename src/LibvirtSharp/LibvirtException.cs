using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>A libvirt call failed; carries the <c>virError</c> libvirt reported for it.</summary>
public class LibvirtException : Exception
{
    private const int ErrNoConnect = 5;
    private const int ErrInvalidConn = 6;
    private const int ErrSystemError = 38;
    private const int ErrRpc = 39;
    private const int ErrNoDomain = 42;
    private const int ErrOperationInvalid = 55;
    private const int FromRemote = 13;
    private const int FromRpc = 7;

    /// <summary>Creates an exception from libvirt error fields.</summary>
    public LibvirtException(int code, int errorDomain, string libvirtMessage, string? operation = null)
        : base(operation is null ? libvirtMessage : $"{operation} failed: {libvirtMessage}")
    {
        Code = code;
        ErrorDomain = errorDomain;
        LibvirtMessage = libvirtMessage;
    }

    /// <summary>The <c>virErrorNumber</c> (e.g. 42 = VIR_ERR_NO_DOMAIN).</summary>
    public int Code { get; }

    /// <summary>The <c>virErrorDomain</c>: which libvirt subsystem raised the error.</summary>
    public int ErrorDomain { get; }

    /// <summary>libvirt's own message text.</summary>
    public string LibvirtMessage { get; }

    /// <summary>The domain does not exist (VIR_ERR_NO_DOMAIN).</summary>
    public bool IsNoDomain => Code == ErrNoDomain;

    /// <summary>The connection to the hypervisor is gone and must be reopened.</summary>
    public bool IsConnectionLost =>
        Code is ErrRpc or ErrNoConnect or ErrInvalidConn
        // A system error is the connection's only when the RPC or remote layer raised it: the same code from the QEMU
        // driver ("Unable to read from monitor: Connection reset by peer") is one guest's monitor dying, say when it
        // is destroyed during a call, and the host's connection is fine.
        || (Code == ErrSystemError && ErrorDomain is FromRpc or FromRemote)
        // A dead remote socket surfaces as a generic error from the RPC layer or as an invalid operation,
        // so the message is the only distinguishing signal.
        || ((Code == ErrOperationInvalid || ErrorDomain == FromRpc)
            && LibvirtMessage.Contains("closed", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Builds the exception from the calling thread's last libvirt error and clears it. Must run on the
    /// thread that made the failing call, before any other libvirt call, because libvirt keeps it thread-local.
    /// </summary>
    internal static unsafe LibvirtException FromLastError(string operation)
    {
        VirError* err = Interop.virGetLastError();
        if (err == null)
            return new LibvirtException(0, 0, "libvirt reported failure without an error", operation);

        string message = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)err->Message) ?? "unknown libvirt error";
        var ex = new LibvirtException(err->Code, err->Domain, message, operation);
        Interop.virResetLastError();
        return ex;
    }

    /// <summary>Discards a pending libvirt error when a failure is an expected answer rather than an error.</summary>
    internal static void ResetLastError() => Interop.virResetLastError();
}
