using System.Diagnostics;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>Talks to the local libvirtd behind the portal's back, through the virsh command line.</summary>
internal static class Virsh
{
    public const string Uri = "qemu:///system";

    /// <summary>Prefix of every machine (and so every domain) these tests create.</summary>
    public const string TestPrefix = "cpe-";

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("virsh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Uri);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("virsh did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Names of all domains, running or not.</summary>
    public static async Task<IReadOnlyList<string>> ListAllAsync()
    {
        var (code, output, error) = await RunAsync("list", "--all", "--name");
        if (code != 0)
            throw new InvalidOperationException($"virsh list failed ({code}): {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The domain of portal machine <paramref name="machineName"/>: the portal names it "&lt;name&gt;-&lt;8 hex of id&gt;".</summary>
    public static async Task<string?> FindDomainOfAsync(string machineName) =>
        (await ListAllAsync()).SingleOrDefault(d => d.StartsWith(machineName + "-", StringComparison.Ordinal));

    /// <summary>Destroys and undefines every test domain (leftovers of a crashed run, or of this one).</summary>
    public static async Task RemoveTestDomainsAsync()
    {
        foreach (var domain in (await ListAllAsync()).Where(d => d.StartsWith(TestPrefix, StringComparison.Ordinal)))
        {
            await RunAsync("destroy", domain);
            await RunAsync("undefine", domain, "--nvram", "--managed-save", "--snapshots-metadata");
            if ((await ListAllAsync()).Contains(domain))
                await RunAsync("undefine", domain);
        }
    }
}
