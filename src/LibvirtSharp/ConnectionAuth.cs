using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>Opens connections through <c>virConnectOpenAuth</c> with a managed credential callback.</summary>
internal static class ConnectionAuth
{
    private const int CredUsername = 1;
    private const int CredAuthname = 2;
    private const int CredPassphrase = 5;
    private const int CredNoEchoPrompt = 7;

    internal static unsafe ConnectHandle Open(string uri, ConnectionCredentials? credentials)
    {
        int* credTypes = stackalloc int[] { CredAuthname, CredUsername, CredPassphrase, CredNoEchoPrompt };
        // The callback only runs during virConnectOpenAuth, so a handle scoped to this call is enough.
        GCHandle state = credentials is null ? default : GCHandle.Alloc(credentials);
        try
        {
            var auth = new VirConnectAuth
            {
                CredType = credTypes,
                NCredType = 4,
                Callback = &Callback,
                CallbackData = credentials is null ? null : (void*)GCHandle.ToIntPtr(state),
            };
            ConnectHandle handle = Interop.virConnectOpenAuth(uri, &auth, 0);
            if (handle.IsInvalid)
            {
                var ex = LibvirtException.FromLastError($"virConnectOpenAuth({uri})");
                handle.Dispose();
                throw ex;
            }
            return handle;
        }
        finally
        {
            if (state.IsAllocated)
                state.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Callback(VirConnectCredential* creds, uint count, void* data)
    {
        try
        {
            if (data == null || GCHandle.FromIntPtr((nint)data).Target is not ConnectionCredentials credentials)
                return -1;

            for (uint i = 0; i < count; i++)
            {
                string? answer = creds[i].Type switch
                {
                    CredAuthname or CredUsername => credentials.Username,
                    CredPassphrase or CredNoEchoPrompt => credentials.Password,
                    _ => null,
                };
                if (answer is null)
                    return -1;

                // libvirt frees result with free(), so it must come from malloc.
                int length = Encoding.UTF8.GetByteCount(answer);
                byte* buffer = (byte*)Interop.Malloc((nuint)length + 1);
                if (buffer == null)
                    return -1;
                Encoding.UTF8.GetBytes(answer, new Span<byte>(buffer, length));
                buffer[length] = 0;
                creds[i].Result = buffer;
                creds[i].ResultLen = (uint)length;
            }
            return 0;
        }
        catch
        {
            return -1;
        }
    }
}
