using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>Drives libvirt's default event loop, which delivers domain events, close callbacks and keepalives.</summary>
public static class LibvirtEventLoop
{
    private static readonly Lock Gate = new();
    private static bool _started;

    /// <summary>
    /// Registers the default event implementation and starts the loop thread, once per process.
    /// libvirt only hooks connections opened after registration into the loop, so this runs before any open.
    /// </summary>
    public static unsafe void EnsureStarted()
    {
        if (Volatile.Read(ref _started))
            return;

        lock (Gate)
        {
            if (_started)
                return;

            // Without a handler libvirt prints every error to stderr, even ones we turn into exceptions.
            Interop.virSetErrorFunc(null, &IgnoreError);

            if (Interop.virInitialize() < 0)
                throw LibvirtException.FromLastError("virInitialize");
            if (Interop.virEventRegisterDefaultImpl() < 0)
                throw LibvirtException.FromLastError("virEventRegisterDefaultImpl");

            var thread = new Thread(Run) { IsBackground = true, Name = "libvirt-event-loop" };
            thread.Start();
            Volatile.Write(ref _started, true);
        }
    }

    private static void Run()
    {
        while (true)
        {
            if (Interop.virEventRunDefaultImpl() < 0)
            {
                // A failing iteration is not fatal for the process; clear it and avoid a hot spin.
                Interop.virResetLastError();
                Thread.Sleep(100);
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void IgnoreError(void* userData, VirError* error)
    {
    }
}
