// Places 10,000 machine requests on 1,000 simulated hosts with the real PlacementEngine, one after another (each
// placement updates the host's allocation), and compares the hosts used with the lower bound
// max(ceil(sum of memory / host memory), ceil(sum of vCPUs / host vCPUs)).
using System.Diagnostics;
using CloudPortal.Core.Placement;

const int HostCount = 1000;
const int RequestCount = 10_000;
const int HostCpus = 32;
const long HostMemoryMiB = 128 * 1024;
var seed = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 42;
var tenant = Guid.NewGuid();
// The engine the portal builds in pack mode with its default weights (pack 1, load 0.25 with no measurement, group 1).
var engine = PlacementEngine.For(new PlacementOptions().WeightsFor(PlacementMode.Pack), NoHostLoadSource.Instance);

// Warm-up so the JIT is not timed.
Run(Catalogue(new Random(1), 2000), engine);

Console.WriteLine($"Placement benchmark: {RequestCount} requests, {HostCount} hosts of {HostCpus} CPUs (x4.0 = {HostCpus * 4} vCPUs) and {HostMemoryMiB / 1024} GiB (x1.0, 0 reserved), pack mode ({string.Join(" + ", engine.Weighers.Select(w => $"{w.Weigher.Name} {w.Weight}"))}), seed {seed}");
Console.WriteLine($"{"mix",-34} {"order",-9} {"time ms",8} {"µs/req",7} {"placed",7} {"refused",7} {"hosts",6} {"bound",6} {"ratio",6}");
var random = Catalogue(new Random(seed), RequestCount);
Report("random catalogue sizes", random);
var adversarial = Adversarial();
Report("adversarial: small first, >1/2 last", adversarial);
Report("adversarial shuffled", adversarial.OrderBy(_ => Guid.NewGuid()).ToList(), ffd: false);
Console.WriteLine("  (adversarial: each of the 500 machines over half a host needs a host of its own, so 500 is the true optimum there)");
var halves = Halves();
Report("adversarial: 0.51 + 0.49 pairs", halves);
Console.WriteLine("  (0.51 + 0.49: 1,800 requests, 900 of each, smaller first; arrival order runs out of the 1,000 hosts)");

void Report(string mix, List<PlacementRequest> requests, bool ffd = true)
{
    var bound = LowerBound(requests);
    Print(mix, "arrival", Run(requests, engine), bound);
    if (ffd)
    {
        // First-fit decreasing: the batch sorted by size, largest first (memory, then vCPUs), then placed as arrivals.
        var started = Stopwatch.GetTimestamp();
        var sorted = requests.OrderByDescending(r => r.MemoryMiB).ThenByDescending(r => r.Vcpus).ToList();
        var sortTime = Stopwatch.GetElapsedTime(started);
        var result = Run(sorted, engine);
        Print(mix, "FFD", result with { Elapsed = result.Elapsed + sortTime }, bound);
    }
}

void Print(string mix, string order, Result r, int bound) =>
    Console.WriteLine($"{mix,-34} {order,-9} {r.Elapsed.TotalMilliseconds,8:F1} {r.Elapsed.TotalMicroseconds / r.Placed,7:F1} {r.Placed,7} {r.Refused,7} {r.HostsUsed,6} {bound,6} {(double)r.HostsUsed / bound,6:F3}");

Result Run(List<PlacementRequest> requests, PlacementEngine placer)
{
    var hosts = new HostCandidate[HostCount];
    var index = new Dictionary<Guid, int>(HostCount);
    for (var i = 0; i < HostCount; i++)
    {
        hosts[i] = new HostCandidate
        {
            HostId = Guid.NewGuid(), Name = $"host-{i:D4}", Connected = true, Cpus = HostCpus, MemoryMiB = HostMemoryMiB,
            ReservedMemoryMiB = 0, CpuOvercommit = 4.0, MemoryOvercommit = 1.0,
        };
        index[hosts[i].HostId] = i;
    }
    var placed = 0;
    var started = Stopwatch.GetTimestamp();
    foreach (var request in requests)
    {
        if (placer.Place(request, hosts) is not { } host)
            continue;
        hosts[index[host.HostId]] = host.With(request);
        placed++;
    }
    var elapsed = Stopwatch.GetElapsedTime(started);
    return new Result(elapsed, placed, requests.Count - placed, hosts.Count(h => h.AllocatedMemoryMiB > 0 || h.AllocatedVcpus > 0));
}

int LowerBound(List<PlacementRequest> requests) => (int)Math.Max(
    Math.Ceiling(requests.Sum(r => (double)r.MemoryMiB) / HostMemoryMiB),
    Math.Ceiling(requests.Sum(r => (double)r.Vcpus) / (HostCpus * 4)));

// A cloud's size catalogue (vCPUs, MiB), weighted towards small machines as real fleets are.
List<PlacementRequest> Catalogue(Random rng, int count)
{
    (int Vcpus, int MemoryMiB, int Weight)[] sizes =
        [(1, 512, 10), (1, 1024, 20), (1, 2048, 20), (2, 4096, 20), (4, 8192, 15), (8, 16384, 8), (8, 32768, 5), (16, 65536, 2)];
    var total = sizes.Sum(s => s.Weight);
    var list = new List<PlacementRequest>(count);
    for (var i = 0; i < count; i++)
    {
        var pick = rng.Next(total);
        var size = sizes.First(s => (pick -= s.Weight) < 0);
        list.Add(new PlacementRequest(tenant, size.Vcpus, size.MemoryMiB));
    }
    return list;
}

// The classic trap for packing in arrival order: small machines first fill hosts densely, then machines just over half
// a host each need a host of their own and the gaps they leave stay empty. Sorted decreasing, the small ones fill the gaps.
List<PlacementRequest> Adversarial()
{
    var list = new List<PlacementRequest>(RequestCount);
    for (var i = 0; i < 6000; i++)
        list.Add(new PlacementRequest(tenant, 1, 4096));
    for (var i = 0; i < 3500; i++)
        list.Add(new PlacementRequest(tenant, 1, 1024));
    for (var i = 0; i < 500; i++)
        list.Add(new PlacementRequest(tenant, 4, (int)(HostMemoryMiB / 2 + 1024)));
    return list;
}

// Pairs that fill a host exactly (51% + 49%): optimal is one host per pair; arrival order puts all the 49% first.
List<PlacementRequest> Halves()
{
    var list = new List<PlacementRequest>(RequestCount);
    var big = (int)(HostMemoryMiB * 51 / 100);
    var small = (int)(HostMemoryMiB - big);
    for (var i = 0; i < 900; i++)
        list.Add(new PlacementRequest(tenant, 2, small));
    for (var i = 0; i < 900; i++)
        list.Add(new PlacementRequest(tenant, 2, big));
    return list;
}

internal sealed record Result(TimeSpan Elapsed, int Placed, int Refused, int HostsUsed);
