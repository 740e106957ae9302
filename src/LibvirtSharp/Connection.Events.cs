using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

public sealed partial class Connection
{
    private const int EventIdLifecycle = 0;

    private readonly Lock _closeGate = new();
    private CloseDispatcher? _closeDispatcher;

    /// <summary>
    /// Calls <paramref name="handler"/> for every domain lifecycle event on this connection, on the event-loop
    /// thread and in order; keep it quick. Exceptions from the handler are swallowed. Dispose to unsubscribe.
    /// </summary>
    public unsafe IDisposable SubscribeLifecycleEvents(Action<DomainLifecycleEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new LifecycleSubscription(this, handler);
        var gcHandle = GCHandle.Alloc(subscription);
        int id = Interop.virConnectDomainEventRegisterAny(
            Handle, 0, EventIdLifecycle,
            (delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, int>)&OnLifecycleEvent,
            GCHandle.ToIntPtr(gcHandle), &FreeGcHandle);
        if (id < 0)
        {
            var ex = LibvirtException.FromLastError("virConnectDomainEventRegisterAny");
            // libvirt does not run freecb when registration fails.
            gcHandle.Free();
            throw ex;
        }
        subscription.CallbackId = id;
        TrackOrDispose(subscription);
        return subscription;
    }

    /// <summary>
    /// Calls <paramref name="handler"/> (on the thread pool) when libvirt closes the connection underneath us.
    /// libvirt fires this at most once per connection. Dispose to unsubscribe.
    /// </summary>
    public IDisposable SubscribeClosed(Action<ConnectionCloseReason> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CloseDispatcher dispatcher;
        lock (_closeGate)
            dispatcher = _closeDispatcher ??= new CloseDispatcher(this);
        var subscription = new ClosedSubscription(dispatcher, handler);
        dispatcher.Add(handler);
        TrackOrDispose(subscription);
        return subscription;
    }

    private void TrackOrDispose(IDisposable subscription)
    {
        Track(subscription);
        // Dispose may have snapshotted the subscription set just before Track.
        if (Volatile.Read(ref _disposed) != 0)
        {
            subscription.Dispose();
            throw new ObjectDisposedException(nameof(Connection));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int OnLifecycleEvent(nint conn, nint dom, int eventType, int detail, nint opaque)
    {
        // Nothing may unwind into libvirt's event loop.
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is not LifecycleSubscription subscription || subscription.IsDisposed)
                return 0;
            string name = Marshal.PtrToStringUTF8((nint)Interop.virDomainGetNameRaw(dom)) ?? "";
            Guid uuid = Domain.ReadUuid(dom);
            subscription.Handler(new DomainLifecycleEvent(uuid, name, (DomainEventType)eventType, detail));
        }
        catch
        {
            LibvirtException.ResetLastError();
        }
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void FreeGcHandle(nint opaque)
    {
        GCHandle.FromIntPtr(opaque).Free();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnClosed(nint conn, int reason, nint opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is CloseDispatcher dispatcher)
                dispatcher.Raise((ConnectionCloseReason)reason);
        }
        catch
        {
            // Nothing may unwind into libvirt.
        }
    }

    private sealed class LifecycleSubscription(Connection connection, Action<DomainLifecycleEvent> handler) : IDisposable
    {
        private int _disposed;

        // Referenced so the connection cannot be collected while the native registration points at us.
        public Connection Connection { get; } = connection;
        public Action<DomainLifecycleEvent> Handler { get; } = handler;
        public int CallbackId { get; set; }
        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            Connection.Untrack(this);
            try
            {
                // Deregistering runs our freecb, which releases the GC handle (deferred by libvirt if an event is in flight).
                if (Interop.virConnectDomainEventDeregisterAny(Connection._handle, CallbackId) < 0)
                    LibvirtException.ResetLastError();
            }
            catch (ObjectDisposedException)
            {
                // Closing the connection already dropped the registration.
            }
        }
    }

    private sealed class ClosedSubscription(CloseDispatcher dispatcher, Action<ConnectionCloseReason> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            dispatcher.Owner.Untrack(this);
            dispatcher.Remove(handler);
        }
    }

    /// <summary>
    /// libvirt allows a single close callback per connection, so one native registration fans out to all handlers.
    /// </summary>
    private sealed class CloseDispatcher(Connection owner) : IDisposable
    {
        private readonly Lock _gate = new();
        private Action<ConnectionCloseReason>[] _handlers = [];
        private GCHandle _self;

        public Connection Owner { get; } = owner;

        public unsafe void Add(Action<ConnectionCloseReason> handler)
        {
            lock (_gate)
            {
                if (!_self.IsAllocated)
                {
                    _self = GCHandle.Alloc(this);
                    // No freecb: not every driver stores the callback, so we release the handle ourselves after unregistering.
                    if (Interop.virConnectRegisterCloseCallback(Owner.Handle, &OnClosed, GCHandle.ToIntPtr(_self), null) < 0)
                    {
                        var ex = LibvirtException.FromLastError("virConnectRegisterCloseCallback");
                        _self.Free();
                        throw ex;
                    }
                }
                _handlers = [.. _handlers, handler];
            }
        }

        public void Remove(Action<ConnectionCloseReason> handler)
        {
            lock (_gate)
            {
                int index = Array.IndexOf(_handlers, handler);
                if (index >= 0)
                    _handlers = [.. _handlers[..index], .. _handlers[(index + 1)..]];
                if (_handlers.Length == 0)
                    Unregister();
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _handlers = [];
                Unregister();
            }
        }

        public void Raise(ConnectionCloseReason reason)
        {
            // libvirt holds its close-callback lock while calling us; running handlers inline would deadlock
            // any handler that unsubscribes, so hand them to the thread pool.
            foreach (var handler in Volatile.Read(ref _handlers))
            {
                ThreadPool.QueueUserWorkItem(static state =>
                {
                    try
                    {
                        state.handler(state.reason);
                    }
                    catch
                    {
                        // A failing handler must not take the process down from a pool thread.
                    }
                }, (handler, reason), preferLocal: false);
            }
        }

        private unsafe void Unregister()
        {
            if (!_self.IsAllocated)
                return;
            try
            {
                // Errors are expected after libvirt already fired (and thereby dropped) the callback.
                if (Interop.virConnectUnregisterCloseCallback(Owner._handle, &OnClosed) < 0)
                    LibvirtException.ResetLastError();
            }
            catch (ObjectDisposedException)
            {
            }
            // Unregistering takes libvirt's close-callback lock, so no callback can still be running here.
            _self.Free();
        }
    }
}
