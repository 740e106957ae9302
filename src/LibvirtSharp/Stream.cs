using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>
/// A libvirt data stream (<c>virStreamPtr</c>): the byte pipe behind consoles and volume upload/download.
/// Blocking: <see cref="Receive"/> waits for data, so run readers on their own thread or a long-running task.
/// Libvirt's API is thread-safe per connection, so another thread may <see cref="Abort"/> a stream that a reader
/// is blocked on; the reader then gets a <see cref="LibvirtException"/> or end of stream.
/// </summary>
public sealed class Stream : IDisposable
{
    private readonly StreamHandle _handle;
    private int _ended;

    private Stream(StreamHandle handle) => _handle = handle;

    /// <summary>A new, unattached stream on <paramref name="connection"/> (<c>virStreamNew</c>).</summary>
    public static Stream Create(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var handle = Interop.virStreamNew(connection.Handle, 0);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw LibvirtException.FromLastError("virStreamNew");
        }
        return new Stream(handle);
    }

    /// <summary>Whether <see cref="Finish"/> or <see cref="Abort"/> has been called.</summary>
    public bool HasEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>Sends all of <paramref name="data"/>, looping over partial writes.</summary>
    public unsafe void Send(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            int offset = 0;
            while (offset < data.Length)
            {
                int sent = Interop.virStreamSend(Handle, start + offset, (nuint)(data.Length - offset));
                if (sent < 0)
                    throw LibvirtException.FromLastError("virStreamSend");
                offset += sent;
            }
        }
    }

    /// <summary>Waits for data and copies up to <paramref name="buffer"/>'s length; 0 means the other end finished.</summary>
    public unsafe int Receive(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
            throw new ArgumentException("The buffer must not be empty: a zero-length read is indistinguishable from end of stream.", nameof(buffer));
        fixed (byte* start = buffer)
        {
            int received = Interop.virStreamRecv(Handle, start, (nuint)buffer.Length);
            if (received < 0)
                throw LibvirtException.FromLastError("virStreamRecv");
            return received;
        }
    }

    /// <summary>Ends the transfer successfully; for uploads this is when the other end commits the data.</summary>
    public void Finish()
    {
        Interlocked.Exchange(ref _ended, 1);
        if (Interop.virStreamFinish(Handle) < 0)
            throw LibvirtException.FromLastError("virStreamFinish");
    }

    /// <summary>Ends the transfer as failed; a blocked <see cref="Receive"/> on another thread returns.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        if (Interop.virStreamAbort(Handle) < 0)
            throw LibvirtException.FromLastError("virStreamAbort");
    }

    /// <summary>Aborts the stream if it was never finished, then releases it. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
            return;
        if (!HasEnded)
        {
            // A stream freed while still open leaves the other end waiting; abort it first, and an abort that
            // fails (the connection is gone) has nothing left to tell anyone.
            if (Interop.virStreamAbort(_handle) < 0)
                LibvirtException.ResetLastError();
            Interlocked.Exchange(ref _ended, 1);
        }
        _handle.Dispose();
    }

    internal StreamHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }
}
