using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using CloudPortal.Core.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Alerts;

/// <summary>
/// POSTs each tenant alert that fires or resolves to the tenant's webhook, in the background: a slow or dead
/// receiver delays only its own deliveries, never the evaluation. The outcome of the last delivery is recorded
/// for the page.
/// </summary>
public sealed class AlertWebhookSender(IAlertStore store, AlertNotifications notifications, IOptions<AlertOptions> options,
    WebhookAddressPolicy policy, ILogger<AlertWebhookSender> log) : BackgroundService
{
    public const string SignatureHeader = "X-CloudPortal-Signature";
    public const string EventHeader = "X-CloudPortal-Event";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly AlertOptions _options = options.Value;
    private readonly Channel<Alert> _queue = Channel.CreateBounded<Alert>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        // No redirects: a receiver must not be able to bounce the portal's POST (and its signature) somewhere else.
        AllowAutoRedirect = false,
        // No proxy: the connection must go to the address the policy checked, not to a proxy that reaches anywhere.
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // The policy is applied where the socket is opened, to the addresses resolved for this very connection:
        // a name that resolved to a public address when the URL was saved and to an inside one now is refused.
        ConnectCallback = (context, ct) => ConnectAsync(policy, context.DnsEndPoint, ct),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static async ValueTask<Stream> ConnectAsync(WebhookAddressPolicy policy, DnsEndPoint endPoint, CancellationToken ct)
    {
        var addresses = await policy.ResolveAllowedAsync(endPoint.Host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        notifications.Changed += OnChanged;
        try
        {
            await foreach (var alert in _queue.Reader.ReadAllAsync(ct))
            {
                try
                {
                    if (await store.GetWebhookAsync(alert.TenantId!.Value, ct) is { } webhook)
                        await DeliverAsync(webhook, EventName(alert), alert, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Delivering alert {AlertId} to the webhook of tenant {TenantId} failed", alert.Id, alert.TenantId);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            notifications.Changed -= OnChanged;
        }
    }

    private void OnChanged(Alert alert)
    {
        // Host alerts are the administrators': they have no tenant and no webhook.
        if (alert.TenantId is not null)
            _queue.Writer.TryWrite(alert);
    }

    private static string EventName(Alert alert) => alert.IsFiring ? "alert.fired" : "alert.resolved";

    /// <summary>Sends a test event now and answers how it went (the page's "send test" button).</summary>
    public Task<string> SendTestAsync(AlertWebhook webhook, CancellationToken ct) =>
        DeliverAsync(webhook, "alert.test", null, ct);

    private async Task<string> DeliverAsync(AlertWebhook webhook, string eventName, Alert? alert, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new WebhookPayload(eventName, webhook.TenantId, Clock.Now(), alert), Json);
        string status = "";
        var delay = _options.WebhookRetryDelay;
        for (var attempt = 1; attempt <= Math.Max(1, _options.WebhookAttempts); attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(delay, ct);
                delay *= 2;
            }
            bool retry;
            (status, retry) = await PostOnceAsync(webhook, eventName, body, attempt, ct);
            if (!retry)
                break;
        }
        await store.RecordDeliveryAsync(webhook.TenantId, status, Clock.Now(), ct);
        return status;
    }

    private async Task<(string Status, bool Retry)> PostOnceAsync(AlertWebhook webhook, string eventName, byte[] body, int attempt, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(EventHeader, eventName);
        if (!string.IsNullOrEmpty(webhook.Secret))
            request.Headers.Add(SignatureHeader, Sign(webhook.Secret, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.WebhookTimeout);
        string attempts = attempt == 1 ? "1 attempt" : $"{attempt} attempts";
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            var text = $"{code} {response.ReasonPhrase}".Trim();
            if (response.IsSuccessStatusCode)
                return ($"delivered ({text}) after {attempts}", false);
            // A 4xx other than 408/429 is the receiver refusing this event: retrying would not change its mind.
            bool retry = code >= 500 || code is 408 or 429;
            return ($"failed: {text} after {attempts}", retry);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ($"failed: no answer within {_options.WebhookTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s after {attempts}", true);
        }
        catch (HttpRequestException ex) when (Refusal(ex) is { } refused)
        {
            // Asking again would resolve to the same inside address: the first refusal is the answer.
            log.LogWarning("The webhook of tenant {TenantId} was not called: {Reason}", webhook.TenantId, refused.Message);
            return (refused.Message, false);
        }
        catch (HttpRequestException ex)
        {
            return ($"failed: {ex.Message} after {attempts}", true);
        }
    }

    private static WebhookDestinationRefusedException? Refusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is WebhookDestinationRefusedException refused)
                return refused;
        }
        return null;
    }

    /// <summary>"sha256=" and the hex HMAC-SHA256 of the body under the tenant's secret, as GitHub's webhooks do.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private sealed record WebhookPayload(string Event, Guid TenantId, DateTimeOffset SentAt, Alert? Alert);
}
