using System.Net.Sockets;
using System.Net.WebSockets;
using CloudPortal.Core.Consoles;

namespace CloudPortal.Web.Consoles;

/// <summary>
/// Pumps bytes between a browser's WebSocket (noVNC speaks RFB over binary frames) and the guest's VNC server on the
/// host's loopback, until either side ends; the browser then learns why from the close reason.
/// </summary>
public sealed class VncProxy(ILogger<VncProxy> log)
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public async Task RunAsync(WebSocket socket, VncEndpoint endpoint, string machineName, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(endpoint.Address, endpoint.Port, ct);
        }
        catch (SocketException ex)
        {
            await CloseAsync(socket, WebSocketCloseStatus.EndpointUnavailable, $"the console of '{machineName}' does not answer: {ex.SocketErrorCode}");
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stream = tcp.GetStream();
        var toBrowser = GuestToBrowserAsync(stream, socket, stop.Token);
        var toGuest = BrowserToGuestAsync(socket, stream, stop.Token);
        var first = await Task.WhenAny(toBrowser, toGuest);
        if (first == toBrowser)
            // The guest side ended first: the machine stopped, or libvirt closed VNC.
            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, $"the console of '{machineName}' closed: the machine stopped or its display went away");
        stop.Cancel();
        try
        {
            await Task.WhenAll(toBrowser, toGuest);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException)
        {
            log.LogDebug("Console proxy for {Machine} ended: {Message}", machineName, ex.Message);
        }
    }

    private static async Task GuestToBrowserAsync(NetworkStream guest, WebSocket browser, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read = await guest.ReadAsync(buffer, ct);
            if (read == 0)
                return;
            await browser.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, ct);
        }
    }

    private static async Task BrowserToGuestAsync(WebSocket browser, NetworkStream guest, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await browser.ReceiveAsync(buffer.AsMemory(), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await CloseAsync(browser, WebSocketCloseStatus.NormalClosure, "closed by the viewer");
                return;
            }
            await guest.WriteAsync(buffer.AsMemory(0, result.Count), ct);
        }
    }

    /// <summary>Closes with a reason, bounded in time: a browser that never answers the close must not hold the request.</summary>
    public static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            return;
        // The protocol allows 123 bytes of reason.
        if (System.Text.Encoding.UTF8.GetByteCount(reason) > 123)
            reason = reason[..Math.Min(reason.Length, 100)] + "…";
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            socket.Abort();
        }
    }
}
