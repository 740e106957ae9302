using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using LibvirtSharp;
using LibvirtSharp.Native;

if (args.Length > 0 && args[0] == "collector")
{
    await CollectorBench.RunAsync(int.Parse(args[1]), int.Parse(args[2]));
    return;
}

int domains = args.Length > 0 ? int.Parse(args[0]) : 10_000;
int iterations = args.Length > 1 ? int.Parse(args[1]) : 15;

using var connection = Connection.Open("test:///default");
var answer = SyntheticAnswer.Build(connection, domains);
try
{
    // Warm-up: JIT, tiering and the field-name cache, as a collector has after its first sample.
    for (int i = 0; i < 3; i++)
    {
        answer.Decode();
        answer.RawWalk();
    }

    var decode = new List<double>();
    var raw = new List<double>();
    var parametersOnly = new List<double>();
    long allocated = 0;
    for (int i = 0; i < iterations; i++)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        var records = answer.Decode();
        decode.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (records.Length != domains || records[^1].GetUInt64("cpu.time") is null)
            throw new InvalidOperationException("decode lost data");

        start = Stopwatch.GetTimestamp();
        answer.RawWalk();
        raw.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

        start = Stopwatch.GetTimestamp();
        answer.DecodeParametersOnly();
        parametersOnly.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    double Median(List<double> xs) { xs.Sort(); return xs[xs.Count / 2]; }
    double d = Median(decode), r = Median(raw), po = Median(parametersOnly);
    Console.WriteLine($"monitoring decode benchmark: {domains:N0} domains x {SyntheticAnswer.ParametersPerDomain} parameters, {iterations} runs");
    Console.WriteLine($"  decode (LibvirtSharp)   median {d,8:F2} ms   min {decode.Min(),8:F2} ms   {d * 1000 / domains:F2} us/domain");
    Console.WriteLine($"  of which parameters      median {po,8:F2} ms   min {parametersOnly.Min(),8:F2} ms   (the rest: UUID and name from libvirt, records)");
    Console.WriteLine($"  raw walk (baseline)     median {r,8:F2} ms   min {raw.Min(),8:F2} ms   {r * 1000 / domains:F2} us/domain");
    Console.WriteLine($"  ratio decode/raw        {d / r:F1}x");
    Console.WriteLine($"  managed allocation      {allocated / 1024.0 / 1024.0:F1} MiB per answer ({allocated / domains:N0} B/domain)");
    Console.WriteLine($"  at a 1 s interval this is {d / 10:F2}% of one core; at 2 s {d / 20:F2}%");
}
finally
{
    answer.Dispose();
}

/// <summary>N records shaped like a qemu guest's answer, in unmanaged memory, all borrowing one real domain pointer.</summary>
sealed unsafe class SyntheticAnswer : IDisposable
{
    public const int ParametersPerDomain = 45;
    private readonly VirDomainStatsRecord** _list;
    private readonly int _count;
    private readonly List<nint> _blocks = [];
    private readonly nint* _domains;
    private readonly int _domainCount;

    private SyntheticAnswer(VirDomainStatsRecord** list, int count, nint* domains, int domainCount)
    {
        _domainCount = domainCount;
        _list = list;
        _count = count;
        _domains = domains;
    }

    public static SyntheticAnswer Build(Connection connection, int count)
    {
        int domainCount = Interop.virConnectListAllDomains(connection.Handle, out nint* domains, 0);
        if (domainCount < 1)
            throw new InvalidOperationException("test:///default has no domain");
        var list = (VirDomainStatsRecord**)NativeMemory.AllocZeroed((nuint)(count + 1), (nuint)sizeof(nint));
        var answer = new SyntheticAnswer(list, count, domains, domainCount);
        var rng = new Random(42);
        byte* vda = answer.Text("vda"), path = answer.Text("/var/lib/cloudportal/disks/0123456789abcdef.qcow2"), vnet = answer.Text("vnet0");
        for (int i = 0; i < count; i++)
        {
            var record = (VirDomainStatsRecord*)answer.Alloc(sizeof(VirDomainStatsRecord));
            var p = (VirTypedParameter*)answer.Alloc(ParametersPerDomain * sizeof(VirTypedParameter));
            int n = 0;
            void Int(string f, int v) { Name(p + n, f); p[n].Type = 1; p[n++].I = v; }
            void UInt(string f, uint v) { Name(p + n, f); p[n].Type = 2; p[n++].UI = v; }
            void ULL(string f, ulong v) { Name(p + n, f); p[n].Type = 4; p[n++].UL = v; }
            void LL(string f, long v) { Name(p + n, f); p[n].Type = 3; p[n++].L = v; }
            void Str(string f, byte* s) { Name(p + n, f); p[n].Type = 7; p[n++].S = s; }
            void Bool(string f, bool v) { Name(p + n, f); p[n].Type = 6; p[n++].B = (byte)(v ? 1 : 0); }
            ulong big() => (ulong)rng.NextInt64(1, long.MaxValue / 4);
            Int("state.state", 1); Int("state.reason", 1);
            ULL("cpu.time", big()); ULL("cpu.user", big()); ULL("cpu.system", big());
            ULL("balloon.current", 262_144); ULL("balloon.maximum", 262_144); ULL("balloon.swap_in", 0); ULL("balloon.swap_out", 0);
            ULL("balloon.major_fault", big()); ULL("balloon.minor_fault", big()); ULL("balloon.unused", 100_000); ULL("balloon.available", 250_000);
            ULL("balloon.usable", 180_000); ULL("balloon.last-update", 1_800_000_000); ULL("balloon.disk_caches", 40_000); ULL("balloon.rss", 200_000);
            UInt("vcpu.current", 1); UInt("vcpu.maximum", 1); Int("vcpu.0.state", 1); ULL("vcpu.0.time", big()); ULL("vcpu.0.wait", 0); LL("vcpu.0.delay", 0);
            UInt("net.count", 1); Str("net.0.name", vnet); ULL("net.0.rx.bytes", big()); ULL("net.0.rx.pkts", big()); ULL("net.0.rx.errs", 0); ULL("net.0.rx.drop", 0);
            ULL("net.0.tx.bytes", big()); ULL("net.0.tx.pkts", big()); ULL("net.0.tx.errs", 0); ULL("net.0.tx.drop", 0);
            UInt("block.count", 1); Str("block.0.name", vda); Str("block.0.path", path); ULL("block.0.rd.reqs", big()); ULL("block.0.rd.bytes", big());
            ULL("block.0.rd.times", big()); ULL("block.0.wr.reqs", big()); ULL("block.0.wr.bytes", big()); ULL("block.0.wr.times", big());
            ULL("block.0.fl.reqs", big()); ULL("block.0.fl.times", big()); Bool("block.0.allocation.known", true);
            if (n != ParametersPerDomain)
                throw new InvalidOperationException($"built {n} parameters");
            record->Dom = domains[0];
            record->Params = p;
            record->NParams = n;
            list[i] = record;
        }
        return answer;
    }

    public DomainStatsRecord[] Decode() => Connection.DecodeStatsList(_list, _count);

    public int DecodeParametersOnly()
    {
        int total = 0;
        for (int i = 0; i < _count; i++)
            total += TypedParameterDecoder.DecodeParameters(_list[i]->Params, _list[i]->NParams) is null ? 0 : 1;
        return total;
    }

    /// <summary>The floor: touch every parameter's name and value without building anything managed.</summary>
    public ulong RawWalk()
    {
        ulong sum = 0;
        for (int i = 0; i < _count; i++)
        {
            var record = _list[i];
            for (int j = 0; j < record->NParams; j++)
            {
                var p = record->Params + j;
                sum += p->UL + p->Field[0] + (ulong)new ReadOnlySpan<byte>(p->Field, 80).IndexOf((byte)0);
            }
        }
        return sum;
    }

    private static void Name(VirTypedParameter* p, string field) => Encoding.ASCII.GetBytes(field + "\0", new Span<byte>(p->Field, 80));

    private byte* Text(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s + "\0");
        var mem = (byte*)Alloc(bytes.Length);
        bytes.CopyTo(new Span<byte>(mem, bytes.Length));
        return mem;
    }

    private void* Alloc(int size)
    {
        var mem = NativeMemory.AllocZeroed((nuint)size);
        _blocks.Add((nint)mem);
        return mem;
    }

    public void Dispose()
    {
        foreach (var block in _blocks)
            NativeMemory.Free((void*)block);
        NativeMemory.Free(_list);
        // The domain list came from libvirt: release its references and the array.
        for (int i = 0; i < _domainCount; i++)
            Interop.virDomainFree(_domains[i]);
        Interop.Free(_domains);
    }
}
