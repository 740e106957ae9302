using System.Net.WebSockets;
using System.Threading.Channels;
using CloudPortal.Core.Consoles;
using LibvirtSharp;

namespace CloudPortal.Web.Consoles;

/// <summary>
/// The guest's serial console (libvirt console stream) to a browser or script over a WebSocket, as binary frames both ways. The stream's reads block, so they run on a thread of their own on a connection of their own: the
/// host's shared connection must never wait on a quiet guest.
/// </summary>
public sealed class SerialProxy(ILogger<SerialProxy> log)
{
    public async Task RunAsync(WebSocket socket, SerialTarget target, CancellationToken ct)
    {
        Connection connection;
        Domain? domain = null;
        LibvirtSharp.Stream stream;
        try
        {
            connection = await Task.Run(() => Connection.Open(target.HostUri), ct);
        }
        catch (LibvirtException ex)
        {
            await VncProxy.CloseAsync(socket, WebSocketCloseStatus.EndpointUnavailable, $"host unreachable: {ex.LibvirtMessage}");
            return;
        }
        using (connection)
        {
            try
            {
                domain = connection.LookupDomainByUuid(target.DomainUuid);
                if (domain is null)
                {
                    await VncProxy.CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, $"machine '{target.MachineName}' has no domain on its host");
                    return;
                }
                stream = LibvirtSharp.Stream.Create(connection);
                // Force: a session left open by a closed browser tab would otherwise lock the console out.
                domain.OpenConsole(stream, force: true);
            }
            catch (LibvirtException ex)
            {
                domain?.Dispose();
                await VncProxy.CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, $"no text console: {ex.LibvirtMessage}");
                return;
            }
            using (domain)
            using (stream)
                await PumpAsync(socket, stream, target.MachineName, ct);
        }
    }

    private async Task PumpAsync(WebSocket socket, LibvirtSharp.Stream stream, string machineName, CancellationToken ct)
    {
        // Unbounded is bounded by the line: a serial port at 115200 baud writes at most about 11 KB a second.
        var output = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reader = new Thread(() => ReadGuest(stream, output.Writer)) { IsBackground = true, Name = $"serial {machineName}" };
        reader.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var toBrowser = GuestToBrowserAsync(output.Reader, socket, stop.Token);
        var toGuest = BrowserToGuestAsync(socket, stream, stop.Token);
        var first = await Task.WhenAny(toBrowser, toGuest);
        if (first == toBrowser && !ct.IsCancellationRequested)
            await VncProxy.CloseAsync(socket, WebSocketCloseStatus.NormalClosure, $"the text console of '{machineName}' closed: the machine stopped");
        stop.Cancel();
        // Releases the reader thread blocked in virStreamRecv.
        try
        {
            stream.Abort();
        }
        catch (LibvirtException ex)
        {
            log.LogDebug("Aborting the console stream of {Machine}: {Message}", machineName, ex.LibvirtMessage);
        }
        try
        {
            await Task.WhenAll(toBrowser, toGuest);
        }
        // A viewer that vanishes mid-frame surfaces as an IOException (or a disposed socket), not a close frame: that
        // is the session ending, not a fault of the portal.
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException
                                       or LibvirtException or ChannelClosedException)
        {
            log.LogDebug("Text console of {Machine} ended: {Message}", machineName, ex.Message);
        }
        reader.Join(TimeSpan.FromSeconds(5));
    }

    private static void ReadGuest(LibvirtSharp.Stream stream, ChannelWriter<byte[]> output)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int read = stream.Receive(buffer);
                if (read == 0)
                    break;
                if (!output.TryWrite(buffer[..read]))
                    return;
            }
        }
        catch (LibvirtException)
        {
            // Aborted (the session ended) or the guest went away: either way the output ends here.
        }
        finally
        {
            output.TryComplete();
        }
    }

    private static async Task GuestToBrowserAsync(ChannelReader<byte[]> output, WebSocket socket, CancellationToken ct)
    {
        await foreach (var chunk in output.ReadAllAsync(ct))
            // Binary: a chunk may end inside a UTF-8 character, which a text frame must not.
            await socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: true, ct);
    }

    private static async Task BrowserToGuestAsync(WebSocket socket, LibvirtSharp.Stream stream, CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await VncProxy.CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "closed by the viewer");
                return;
            }
            var input = buffer[..result.Count];
            await Task.Run(() => stream.Send(input), ct);
        }
    }
}
