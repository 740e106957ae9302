using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using CloudPortal.Core.Common;
using CloudPortal.Core.Consoles;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudPortal.Web.Consoles;

/// <summary>The console in the browser: one-time tickets, the noVNC page and the WebSocket proxy to the guest's VNC.</summary>
public static class ConsoleExtensions
{
    public const string ProtocolBinary = "binary";

    public static IServiceCollection AddPortalConsoles(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConsoleTickets>();
        services.AddSingleton<ConsoleService>();
        services.AddSingleton<VncProxy>();
        services.AddSingleton<SerialProxy>();
        CloudPortal.Web.Machines.MachineTabExtensions.AddMachineTab<ConsoleTab>(services, "Console", 10);
        // Behind a reverse proxy under a path prefix and TLS: the prefix becomes PathBase and the scheme https, so the
        // console's URLs come out as the browser must use them. Not X-Forwarded-For: the audit log keeps the peer.
        services.Configure<ForwardedHeadersOptions>(options =>
            options.ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedPrefix);
        return services;
    }

    /// <summary>First in the pipeline, so that everything after it sees the proxy's scheme and prefix.</summary>
    public static WebApplication UsePortalForwardedHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }

    public static WebApplication UsePortalConsoles(this WebApplication app)
    {
        app.UseWebSockets();
        return app;
    }

    /// <summary>POST /api/v1/machines/{id}/console: a ticket, the page URL for people and the WebSocket URL for noVNC.</summary>
    public static RouteGroupBuilder MapConsoleEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/machines/{id:guid}/console", async (Guid id, HttpContext http, ClaimsPrincipal user, ConsoleService consoles, CancellationToken ct) =>
        {
            var (token, expiresAt) = await consoles.IssueAsync(user.ToCaller(), id, ct);
            return Results.Ok(new ConsoleTicketDto(PageUrl(http.Request, id, token), SocketUrl(http.Request, id, token), expiresAt,
                SocketUrl(http.Request, id, token, "serial")));
        })
        .WithTags("Machines")
        .WithSummary("A one-time console: valid for 30 s, once, for the caller and this machine only. 'url' is the page for " +
            "people, 'websocketUrl' the RFB WebSocket for noVNC, 'serialWebsocketUrl' the text console (binary frames). 409 unless the machine is running or paused.")
        .Produces<ConsoleTicketDto>()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    public static WebApplication MapPortalConsoles(this WebApplication app)
    {
        app.MapGet("/console/{id:guid}", ConsolePageAsync).ExcludeFromDescription();
        app.MapGet("/console/{id:guid}/vnc", VncSocketAsync).ExcludeFromDescription();
        app.MapGet("/console/{id:guid}/serial", SerialSocketAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The page: with a ticket from the API it uses that one; opened from the portal (signed in by cookie) it asks for
    /// its own. Either way the ticket is spent by the WebSocket, so reloading or sharing the URL shows "already used".
    /// </summary>
    private static async Task<IResult> ConsolePageAsync(Guid id, string? ticket, HttpContext http, ConsoleService consoles, CancellationToken ct)
    {
        var auth = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (!auth.Succeeded || auth.Principal is null)
            return Results.Redirect($"{http.Request.PathBase}/login?ReturnUrl={Uri.EscapeDataString(http.Request.PathBase + http.Request.Path + http.Request.QueryString)}");
        string? error = null;
        if (string.IsNullOrEmpty(ticket))
        {
            try
            {
                ticket = (await consoles.IssueAsync(auth.Principal.ToCaller(), id, ct)).Token;
            }
            catch (Exception ex) when (ex is ConflictException or NotFoundException or ForbiddenException)
            {
                error = ex.Message;
            }
        }
        var html = HtmlEncoder.Default;
        var socket = ticket is null ? "" : SocketUrl(http.Request, id, ticket);
        var page = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8" />
              <base href="{{html.Encode(http.Request.PathBase + "/")}}" />
              <title>Console - CloudPortal</title>
              <link rel="stylesheet" href="css/console.css" />
            </head>
            <body>
              <header class="console-bar">
                <a href="machines/{{id}}">&larr; Machine</a>
                <span id="console-status" data-testid="console-status">{{html.Encode(error ?? "connecting…")}}</span>
              </header>
              <main id="console-screen" data-testid="console-screen" data-ws="{{html.Encode(socket)}}"></main>
              <script type="module" src="js/console.js"></script>
            </body>
            </html>
            """;
        return Results.Content(page, "text/html; charset=utf-8", statusCode: error is null ? 200 : 409);
    }

    private static async Task VncSocketAsync(Guid id, string? ticket, HttpContext http, ConsoleService consoles, VncProxy proxy, CancellationToken ct)
    {
        var (socket, caller) = await AcceptAsync(http);
        if (socket is null)
            return;
        using (socket)
        {
            var endpoint = await RedeemAsync(socket, () => consoles.RedeemAsync(caller!, id, ticket, ct));
            if (endpoint is not null)
                await proxy.RunAsync(socket, endpoint, id.ToString(), ct);
        }
    }

    private static async Task SerialSocketAsync(Guid id, string? ticket, HttpContext http, ConsoleService consoles, SerialProxy proxy, CancellationToken ct)
    {
        var (socket, caller) = await AcceptAsync(http);
        if (socket is null)
            return;
        using (socket)
        {
            var target = await RedeemAsync(socket, () => consoles.RedeemSerialAsync(caller!, id, ticket, ct));
            if (target is not null)
                await proxy.RunAsync(socket, target, ct);
        }
    }

    /// <summary>
    /// Cookie for the page in a browser, bearer for scripts; 401 (or 400 for plain HTTP) before the upgrade, so no
    /// ticket is spent on a request that could never use it.
    /// </summary>
    private static async Task<(WebSocket? Socket, Caller? Caller)> AcceptAsync(HttpContext http)
    {
        var auth = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (!auth.Succeeded)
            auth = await http.AuthenticateAsync(BearerTokenHandler.SchemeName);
        if (!auth.Succeeded || auth.Principal is null)
        {
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in to open a console.").ExecuteAsync(http);
            return (null, null);
        }
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "This is a WebSocket endpoint for consoles.").ExecuteAsync(http);
            return (null, null);
        }
        var protocol = http.WebSockets.WebSocketRequestedProtocols.Contains(ProtocolBinary) ? ProtocolBinary : null;
        return (await http.WebSockets.AcceptWebSocketAsync(protocol), auth.Principal.ToCaller());
    }

    /// <summary>Spends the ticket; a refusal closes the socket with the reason the user sees.</summary>
    private static async Task<T?> RedeemAsync<T>(WebSocket socket, Func<Task<(TicketRefusal Refusal, T? Target)>> redeem) where T : class
    {
        try
        {
            var (refusal, target) = await redeem();
            if (refusal == TicketRefusal.None)
                return target;
            await VncProxy.CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, ConsoleTickets.Describe(refusal));
        }
        catch (Exception ex) when (ex is ConflictException or NotFoundException or ForbiddenException or HostUnavailableException)
        {
            await VncProxy.CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, ex.Message);
        }
        return null;
    }

    private static string PageUrl(HttpRequest request, Guid id, string ticket) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/console/{id}?ticket={Uri.EscapeDataString(ticket)}";

    private static string SocketUrl(HttpRequest request, Guid id, string ticket, string kind = "vnc") =>
        $"{(request.IsHttps ? "wss" : "ws")}://{request.Host}{request.PathBase}/console/{id}/{kind}?ticket={Uri.EscapeDataString(ticket)}";
}

/// <remarks>One ticket, spent by whichever socket uses it first: the graphical one or <see cref="SerialWebsocketUrl"/>.</remarks>
public sealed record ConsoleTicketDto(string Url, string WebsocketUrl, DateTimeOffset ExpiresAt, string SerialWebsocketUrl);
