using System.Diagnostics;
using CloudPortal.Web.Components.Monitoring;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using static CloudPortal.Web.Components.Monitoring.HeatMap;

var counts = args.Length > 0 ? args[0].Split(',').Select(int.Parse).ToArray() : [150, 500, 1000];
var updates = args.Length > 1 ? int.Parse(args[1]) : 200;
var services = new ServiceCollection().AddLogging().AddMudServices().BuildServiceProvider();

Console.WriteLine($"fleet heat map render: {updates} live updates per size, every host's value changes in each");
foreach (var count in counts)
{
    var random = new Random(count);
    var names = Enumerable.Range(0, count).Select(i => $"host-{i:D4}").ToArray();
    // Like the fleet page: busiest first, one host in 25 unreachable.
    List<HeatCell> Cells() => names
        .Select((name, i) => i % 25 == 0
            ? new HeatCell(name, null, HeatCellKind.Unreachable, $"{name} · no samples: connection refused", $"/hosts/{i}/monitoring")
            : new HeatCell(name, random.NextDouble() * 100, HeatCellKind.Measured, $"{name} · CPU {random.Next(100)} %", $"/hosts/{i}/monitoring"))
        .OrderByDescending(c => c.Percent ?? -1).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();

    using var renderer = new CountingRenderer(services);
    var first = Stopwatch.GetTimestamp();
    var root = await renderer.MountAsync<HeatMap>(Cells());
    var firstMs = Stopwatch.GetElapsedTime(first).TotalMilliseconds;
    var (firstEdits, firstBytes) = renderer.TakeCounts();

    var times = new List<double>();
    long edits = 0, bytes = 0;
    for (var u = 0; u < updates; u++)
    {
        var cells = Cells();
        var t0 = Stopwatch.GetTimestamp();
        await renderer.UpdateAsync(root, cells);
        times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        var (e, b) = renderer.TakeCounts();
        edits += e;
        bytes += b;
    }
    times.Sort();
    Console.WriteLine($"  {count,5} hosts  first render {firstMs,7:F2} ms {firstEdits,6} edits {firstBytes / 1024.0,7:F1} KiB text | " +
        $"update p50 {times[times.Count / 2],6:F2} ms p99 {times[(int)Math.Ceiling(times.Count * 0.99) - 1],6:F2} ms  " +
        $"{edits / (double)updates,7:F0} edits {bytes / 1024.0 / updates,6:F1} KiB text  ({Math.Round(times[times.Count / 2] / count * 1000, 1)} us per host)");
}

/// <summary>A server-side renderer that keeps no display: it counts the edits and text of every batch it would send.</summary>
sealed class CountingRenderer(IServiceProvider services) : Renderer(services, NullLoggerFactory.Instance)
{
    private long _edits, _bytes;

    public override Dispatcher Dispatcher { get; } = Dispatcher.CreateDefault();

    public Task<int> MountAsync<T>(List<HeatCell> cells) where T : IComponent => Dispatcher.InvokeAsync(async () =>
    {
        var id = AssignRootComponentId(InstantiateComponent(typeof(T)));
        await RenderRootComponentAsync(id, Parameters(cells));
        return id;
    });

    public Task UpdateAsync(int id, List<HeatCell> cells) => Dispatcher.InvokeAsync(() => RenderRootComponentAsync(id, Parameters(cells)));

    public (long Edits, long Bytes) TakeCounts() => (Interlocked.Exchange(ref _edits, 0), Interlocked.Exchange(ref _bytes, 0));

    private static ParameterView Parameters(List<HeatCell> cells) =>
        ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(HeatMap.Cells)] = cells });

    protected override void HandleException(Exception exception) => throw exception;

    protected override Task UpdateDisplayAsync(in RenderBatch batch)
    {
        for (var i = 0; i < batch.UpdatedComponents.Count; i++)
        {
            var diff = batch.UpdatedComponents.Array[i];
            _edits += diff.Edits.Count;
        }
        // The text a batch carries: attribute values and text of the frames it references.
        for (var i = 0; i < batch.ReferenceFrames.Count; i++)
        {
            ref var frame = ref batch.ReferenceFrames.Array[i];
            _bytes += frame.FrameType switch
            {
                RenderTreeFrameType.Attribute => (frame.AttributeName?.Length ?? 0) + ((frame.AttributeValue as string)?.Length ?? 0),
                RenderTreeFrameType.Text => frame.TextContent?.Length ?? 0,
                RenderTreeFrameType.Markup => frame.MarkupContent?.Length ?? 0,
                RenderTreeFrameType.Element => frame.ElementName?.Length ?? 0,
                _ => 0,
            };
        }
        return Task.CompletedTask;
    }
}
