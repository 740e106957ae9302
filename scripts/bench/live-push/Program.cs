using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

// Issue 6 (c): N .NET SignalR clients on loopback watch one machine; each push carries its sample's time in ms, so
// the delay from sample to client is measured per client per push. The baseline is one client alone, in the same
// run. Portal memory per client is the portal's resident set growth over the N connections, divided by N.
//
//   args: <portal url> <bearer token> <machine id> <portal pid> <clients> <seconds>
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: LivePush.Bench <portal url> <token> <machine id> <portal pid> <clients> <seconds>");
    return 2;
}
var baseUrl = new Uri(args[0]);
string token = args[1];
Guid machineId = Guid.Parse(args[2]);
int portalPid = int.Parse(args[3]);
int clients = int.Parse(args[4]);
var window = TimeSpan.FromSeconds(int.Parse(args[5]));

var alone = await MeasureAsync(1, window);
long rssBefore = PortalRssKiB();
var many = await MeasureAsync(clients, window, afterConnect: () =>
{
    long rssAfter = PortalRssKiB();
    Console.WriteLine($"  portal resident set: {rssBefore / 1024.0:F1} MiB -> {rssAfter / 1024.0:F1} MiB with {clients} clients: {(rssAfter - rssBefore) / (double)clients:F1} KiB per client");
});

Console.WriteLine($"live push benchmark: {clients} SignalR clients (WebSockets, loopback) watching one machine, {window.TotalSeconds:0} s each phase");
Print("1 client (baseline)", alone);
Print($"{clients} clients", many);
if (alone.Delays.Count > 0 && many.Delays.Count > 0)
    Console.WriteLine($"  ratio p99 {clients} clients / 1 client: {Percentile(many.Delays, 0.99) / Math.Max(1, Percentile(alone.Delays, 0.99)):F2}");
return many.Delays.Count > 0 ? 0 : 1;

async Task<Result> MeasureAsync(int count, TimeSpan duration, Action? afterConnect = null)
{
    var delays = new ConcurrentBag<long>();
    var measuring = false;
    var connections = new List<HubConnection>(count);
    try
    {
        // Connect in batches: 500 handshakes at once would measure the accept queue, not the push path.
        for (int i = 0; i < count; i += 50)
        {
            var batch = Enumerable.Range(i, Math.Min(50, count - i)).Select(async _ =>
            {
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(baseUrl, "/hubs/live"), options =>
                    {
                        options.Transports = HttpTransportType.WebSockets;
                        options.SkipNegotiation = true;
                        options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    })
                    .Build();
                connection.On<Push>("machineMetrics", push =>
                {
                    if (Volatile.Read(ref measuring) && push.MachineId == machineId && push.TimeMs > 0)
                        delays.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - push.TimeMs);
                });
                await connection.StartAsync();
                await connection.InvokeAsync<object>("WatchMachine", machineId);
                return connection;
            });
            connections.AddRange(await Task.WhenAll(batch));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        afterConnect?.Invoke();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        return new Result([.. delays], clock.Elapsed);
    }
    finally
    {
        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
    }
}

long PortalRssKiB()
{
    foreach (var line in File.ReadLines($"/proc/{portalPid}/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    throw new InvalidOperationException($"no VmRSS for pid {portalPid}");
}

static double Percentile(List<long> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

static void Print(string label, Result result)
{
    if (result.Delays.Count == 0)
    {
        Console.WriteLine($"  {label}: no pushes received in {result.Elapsed.TotalSeconds:0} s");
        return;
    }
    Console.WriteLine($"  {label}: {result.Delays.Count} pushes, delay sample -> client p50 {Percentile(result.Delays, 0.5):F0} ms, " +
        $"p99 {Percentile(result.Delays, 0.99):F0} ms, max {result.Delays.Max()} ms");
}

sealed record Push(Guid MachineId, long T, double?[]? Values, long TimeMs);
sealed record Result(List<long> Delays, TimeSpan Elapsed);
