using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests.Lab;

/// <summary>
/// Three real libvirt hosts on this machine (<c>scripts/lab up 3</c>) behind a portal that registers no local host.
/// Sweeps leftover cpl-* domains on the lab hosts before it starts and when it is done, and stops the lab hosts at
/// the end, whatever happened in between (also when starting failed).
/// </summary>
public sealed class LabPortal : IAsyncLifetime
{
    public const int HostCount = 3;
    public const string TestPrefix = "cpl-";

    public static IReadOnlyList<string> Uris { get; } =
        Enumerable.Range(1, HostCount).Select(i => $"qemu+tcp://127.0.0.1:{16510 + i}/system").ToList();

    public PortalFactory Factory { get; } = new("");
    public HttpClient Admin { get; private set; } = default!;

    /// <summary>Portal host id of each lab host, by URI.</summary>
    public IReadOnlyDictionary<string, string> HostIds { get; private set; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        try
        {
            await LabAsync("up", HostCount.ToString());
            await SweepAsync();
            Admin = await Factory.AdminAsync();
            var ids = new Dictionary<string, string>();
            for (var i = 0; i < Uris.Count; i++)
            {
                using var response = await Admin.PostAsJsonAsync("/api/v1/hosts", new { name = $"lab{i + 1}", uri = Uris[i] });
                ids[Uris[i]] = (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
            }
            foreach (var uri in Uris)
                await PortalApi.WaitHostStateAsync(Admin, h => h.GetProperty("uri").GetString() == uri, "connected", TimeSpan.FromSeconds(30));
            HostIds = ids;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            Admin?.Dispose();
            await Factory.DisposeAsync();
        }
        finally
        {
            try
            {
                await SweepAsync();
            }
            finally
            {
                await LabAsync("down");
            }
        }
    }

    public string UriOf(string hostId) => HostIds.Single(p => p.Value == hostId).Key;

    /// <summary>Resets every lab host to holding exactly <paramref name="vcpus"/> one-vCPU machines (null: overcommit 1.0).</summary>
    public async Task SetVcpuCapacityAsync(int? vcpus)
    {
        foreach (var host in await Admin.ListHostsAsync())
        {
            var cpus = host.GetProperty("cpus").GetInt32();
            Assert.True(cpus > 0, $"host reports no CPUs: {host}");
            // Half a vCPU above the wanted count, so that floor(cpus * ratio) is exactly the count despite rounding.
            var ratio = vcpus is { } n ? (n + 0.5) / cpus : 1.0;
            Assert.InRange(ratio, 0.1, 32);
            using var response = await Admin.PatchAsJsonAsync($"/api/v1/hosts/{host.GetProperty("id").GetString()}", new { cpuOvercommit = ratio });
            await response.JsonAsync(HttpStatusCode.OK);
        }
    }

    /// <summary>Destroys and undefines every cpl-* domain on the lab hosts that answer.</summary>
    public static async Task SweepAsync()
    {
        foreach (var uri in Uris)
        {
            var (code, output, _) = await VirshAsync(uri, "list", "--all", "--name");
            if (code != 0)
                continue;
            foreach (var domain in Lines(output).Where(d => d.StartsWith(TestPrefix, StringComparison.Ordinal)))
            {
                await VirshAsync(uri, "destroy", domain);
                await VirshAsync(uri, "undefine", domain, "--nvram", "--managed-save", "--snapshots-metadata");
                if (Lines((await VirshAsync(uri, "list", "--all", "--name")).Output).Contains(domain))
                    await VirshAsync(uri, "undefine", domain);
            }
        }
    }

    /// <summary>UUIDs of the domains running on the lab host at <paramref name="uri"/>.</summary>
    public static async Task<IReadOnlyList<string>> RunningUuidsAsync(string uri)
    {
        var (code, output, error) = await VirshAsync(uri, "list", "--uuid");
        Assert.True(code == 0, $"virsh -c {uri} list --uuid failed ({code}): {error}");
        return Lines(output);
    }

    public static Task<(int ExitCode, string Output, string Error)> VirshAsync(string uri, params string[] args) =>
        RunAsync("virsh", ["-c", uri, .. args], TimeSpan.FromSeconds(30));

    private static List<string> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    internal static async Task LabAsync(params string[] args)
    {
        var script = Path.Combine(RepoRoot(), "scripts", "lab");
        var (code, output, error) = await RunAsync(script, args, TimeSpan.FromSeconds(120));
        if (code != 0)
            throw new InvalidOperationException($"scripts/lab {string.Join(' ', args)} failed ({code}): {error} {output}");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CloudPortal.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no CloudPortal.sln above {AppContext.BaseDirectory}");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }
        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }
}

/// <summary>The lab tests share three hosts: one collection, run alone (no other collection alongside).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabCollection : ICollectionFixture<LabPortal>
{
    public const string Name = "Lab";
}
