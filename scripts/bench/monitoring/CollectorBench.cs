using System.Diagnostics;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Monitoring;
using CloudPortal.Data;
using CloudPortal.Data.Stores;
using LibvirtSharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

/// <summary>
/// (a) The collector's CPU cost at a 1 s interval over N real idle tiny guests (cpb-mon-*, diskless, 32 MiB, TCG, SeaBIOS)
/// on qemu:///system, against the raw baseline of the same bulk stats call made once a second in the same process.
/// CPU time is the process' own (user + system), so other load on the machine slows the run but is not counted.
/// </summary>
static class CollectorBench
{
    private const string Uri = "qemu:///system";
    private const string Prefix = "cpb-mon-";

    public static async Task RunAsync(int guests, int seconds)
    {
        using var connection = Connection.Open(Uri);
        Sweep(connection);
        try
        {
            var started = Stopwatch.StartNew();
            for (int i = 0; i < guests; i++)
            {
                using var domain = connection.DefineDomainXml(TinyGuestXml($"{Prefix}{i:D3}"));
                domain.Create();
            }
            int active = connection.GetAllDomainStats(DomainStatsGroups.State, DomainStatsFlags.Active).Count;
            Console.WriteLine($"collector benchmark: {guests} {Prefix}* guests started in {started.Elapsed.TotalSeconds:F0} s; {active} active domains on the host; {seconds} s per phase at 1 s");

            var rawWall = new List<double>();
            var collectorWall = new List<double>();
            // Raw baseline: the bulk call alone, once a second, nothing decoded beyond what the binding does.
            var (rawCpu, rawCalls) = await MeasureAsync(seconds, async ct =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                int calls = 0;
                try
                {
                    while (await timer.WaitForNextTickAsync(ct))
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        connection.GetAllDomainStats(DomainStatsGroups.Monitoring, DomainStatsFlags.Active);
                        rawWall.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                        calls++;
                    }
                }
                catch (OperationCanceledException) { }
                return calls;
            });

            // The real collector: HostConnections, rates, rings, rollups into a real SQLite file.
            var dir = Directory.CreateTempSubdirectory("cpb-mon-db-").FullName;
            var database = new SqliteDatabase(Path.Combine(dir, "cloudportal.db"));
            DatabaseMigrator.Migrate(database);
            await using var hosts = new HostConnections(new VirtualizationProbe(NullLogger<VirtualizationProbe>.Instance), NullLogger<HostConnections>.Instance);
            var host = new CloudPortal.Core.Hosts.Host { Id = Guid.NewGuid(), Name = "bench", Uri = Uri, CreatedAt = DateTimeOffset.UtcNow };
            hosts.Start(host);
            if (!await hosts.WaitConnectedAsync(host.Id, TimeSpan.FromMinutes(5), CancellationToken.None))
                throw new InvalidOperationException("qemu:///system did not connect");
            var options = Options.Create(new MonitoringOptions { Interval = TimeSpan.FromSeconds(1) });
            var series = new MetricSeries(options);
            int samples = 0;
            series.Sampled += sample =>
            {
                Interlocked.Increment(ref samples);
                // The status is recorded right after each sample is published: this reads the previous sample's time.
                if (series.Sampling(sample.HostId).LastDuration is { } d)
                    lock (collectorWall)
                        collectorWall.Add(d.TotalMilliseconds);
            };
            using var collector = new MetricsCollector(hosts, new MachineStore(database), new MetricRollupStore(database), series, options,
                NullLogger<MetricsCollector>.Instance);
            var (collectorCpu, _) = await MeasureAsync(seconds, async ct =>
            {
                await collector.StartAsync(CancellationToken.None);
                try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
                await collector.StopAsync(CancellationToken.None);
                return 0;
            });
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);

            Console.WriteLine($"  raw bulk call     {rawCalls,4} samples  CPU {rawCpu.TotalMilliseconds,8:F0} ms  {rawCpu.TotalMilliseconds / Math.Max(1, rawCalls),6:F2} ms/sample  {rawCpu.TotalMilliseconds / (seconds * 10.0),5:F2}% of a core");
            Console.WriteLine($"  collector         {samples,4} samples  CPU {collectorCpu.TotalMilliseconds,8:F0} ms  {collectorCpu.TotalMilliseconds / Math.Max(1, samples),6:F2} ms/sample  {collectorCpu.TotalMilliseconds / (seconds * 10.0),5:F2}% of a core");
            Console.WriteLine($"  wall time per sample: raw p50 {Percentile(rawWall, 50):F1} ms p99 {Percentile(rawWall, 99):F1} ms; " +
                $"collector p50 {Percentile(collectorWall, 50):F1} ms p99 {Percentile(collectorWall, 99):F1} ms; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine($"  ratio collector/raw per sample {collectorCpu.TotalMilliseconds / Math.Max(1, samples) / (rawCpu.TotalMilliseconds / Math.Max(1, rawCalls)):F2}x");
        }
        finally
        {
            Sweep(connection);
        }
    }

    /// <summary>The smallest guest that runs: no disk, no NIC, no display (libvirt adds its default balloon, so balloon stats are sampled); SeaBIOS finds nothing to boot and idles.</summary>
    private static string TinyGuestXml(string name)
    {
        var text = new StringWriter();
        using (var xml = System.Xml.XmlWriter.Create(text, new System.Xml.XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("domain");
            xml.WriteAttributeString("type", "qemu");
            xml.WriteElementString("name", name);
            xml.WriteStartElement("memory");
            xml.WriteAttributeString("unit", "MiB");
            xml.WriteString("32");
            xml.WriteEndElement();
            xml.WriteElementString("vcpu", "1");
            xml.WriteStartElement("os");
            xml.WriteStartElement("type");
            xml.WriteAttributeString("arch", "x86_64");
            xml.WriteAttributeString("machine", "pc");
            xml.WriteString("hvm");
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        return text.ToString();
    }

    private static double Percentile(List<double> values, int p)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static async Task<(TimeSpan Cpu, int Result)> MeasureAsync(int seconds, Func<CancellationToken, Task<int>> work)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        int result = 0;
        try { result = await work(cts.Token); } catch (OperationCanceledException) { }
        return (Process.GetCurrentProcess().TotalProcessorTime - before, result);
    }

    private static void Sweep(Connection connection)
    {
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                if (!domain.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    continue;
                if (domain.IsActive)
                    domain.Destroy();
                domain.Undefine(DomainUndefineFlags.ManagedSave);
            }
        }
    }
}
