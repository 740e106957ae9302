using System.Diagnostics;

// Linked into every test project that pokes the local libvirtd behind the portal's back. Each project supplies
// the other part of this class: the URI it talks to and the name prefix of the domains it may sweep.
// (In the global namespace, so that one file serves projects with different namespaces.)

/// <summary>Looks at and pokes a libvirtd behind the portal's back, through the virsh command line.</summary>
public static partial class Virsh
{
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
        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary>"running", "paused", "shut off"...; null when libvirt does not know the domain.</summary>
    public static async Task<string?> DomStateAsync(string domain)
    {
        var (code, output, error) = await RunAsync("domstate", domain);
        if (code == 0)
            return output;
        if (error.Contains("failed to get domain", StringComparison.OrdinalIgnoreCase)
            || error.Contains("Domain not found", StringComparison.OrdinalIgnoreCase))
            return null;
        throw new InvalidOperationException($"virsh domstate {domain} failed ({code}): {error}");
    }

    public static async Task RequireAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        if (code != 0)
            throw new InvalidOperationException($"virsh {string.Join(' ', args)} failed ({code}): {error} {output}");
    }

    public static async Task<IReadOnlyList<string>> ListAllAsync()
    {
        var (code, output, error) = await RunAsync("list", "--all", "--name");
        if (code != 0)
            throw new InvalidOperationException($"virsh list failed ({code}): {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Destroys and undefines every domain named with <see cref="TestPrefix"/> (leftovers of a crashed run, or of this one).</summary>
    public static Task RemoveTestDomainsAsync() => RemoveDomainsAsync(TestPrefix);

    /// <summary>Destroys and undefines every domain whose name starts with <paramref name="prefix"/>, with its snapshots' metadata.</summary>
    public static async Task RemoveDomainsAsync(string prefix)
    {
        foreach (var domain in (await ListAllAsync()).Where(d => d.StartsWith(prefix, StringComparison.Ordinal)))
        {
            await RunAsync("destroy", domain);
            await RunAsync("undefine", domain, "--nvram", "--managed-save", "--snapshots-metadata");
            if ((await ListAllAsync()).Contains(domain))
                await RunAsync("undefine", domain);
        }
    }
}
