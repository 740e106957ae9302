using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Web.Tests.Alerts;

/// <summary>A real HTTP server on 127.0.0.1 that records the webhook POSTs it gets and answers with a set status.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Delivery(string Event, string? Signature, byte[] Body);

    private readonly WebApplication _app;
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>();

    public int Status { get; set; } = StatusCodes.Status204NoContent;
    public string Url { get; private set; } = "";
    public int Requests;

    private WebhookReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext context) =>
        {
            Interlocked.Increment(ref Requests);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            await _deliveries.Writer.WriteAsync(new Delivery(context.Request.Headers["X-CloudPortal-Event"].ToString(),
                context.Request.Headers["X-CloudPortal-Signature"].FirstOrDefault(), body.ToArray()));
            return Results.StatusCode(Status);
        });
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = address + "/hook";
        return receiver;
    }

    /// <summary>The next delivery of this event, skipping others (a test event, say); fails after the timeout.</summary>
    public async Task<Delivery> NextAsync(string eventName, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var delivery = await _deliveries.Reader.ReadAsync(cts.Token);
            if (delivery.Event == eventName)
                return delivery;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
