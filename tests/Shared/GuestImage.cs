using System.Diagnostics;
using System.Text.RegularExpressions;

// Linked into test projects that boot a real guest. (In the global namespace, like Virsh, so that one file serves
// projects with different namespaces.)

/// <summary>
/// The tiny bootable test guest (scripts/make-guest-image): a qcow2 base image that reads a NoCloud seed and
/// prints a ready line on its serial console. Built on first use and cached under a fixed directory, so later runs
/// (and other test projects) reuse it; the script itself rebuilds only when an input changed.
/// </summary>
public static class GuestImage
{
    /// <summary>Outside any worktree, so that every checkout and every test project shares one build.</summary>
    public const string CacheDirectory = "/var/lib/cloudportal-test/guest-image";

    public static string ImagePath { get; } = Path.Combine(CacheDirectory, "cloudportal-tiny.qcow2");

    /// <summary>
    /// The guest's one ready line on ttyS0 (documented in scripts/make-guest-image): groups hostname, ip ("none"
    /// without a lease), instanceId, seed, sshKeys and userData ("none", "cloud-config", "other" or "script:EXIT").
    /// </summary>
    public static readonly Regex ReadyLine = new(
        @"^CLOUDPORTAL-READY hostname=(?<hostname>\S+) ip=(?<ip>\S+) instance-id=(?<instanceId>\S+) seed=(?<seed>\S+) ssh-keys=(?<sshKeys>\d+) user-data=(?<userData>\S+)$",
        RegexOptions.CultureInvariant);

    /// <summary>What the script said on its last run in this process (build or cache check, with its timing).</summary>
    public static string LastScriptLog { get; private set; } = "";

    private static readonly SemaphoreSlim InProcess = new(1, 1);
    private static bool _checked;

    /// <summary>The base image's path, after making sure it is built and current.</summary>
    public static async Task<string> GetAsync(CancellationToken cancellationToken = default)
    {
        await InProcess.WaitAsync(cancellationToken);
        try
        {
            if (_checked && File.Exists(ImagePath))
                return ImagePath;
            Directory.CreateDirectory(CacheDirectory);
            // Another test process may be building it right now: one builder at a time, across processes.
            using (await AcquireLockAsync(Path.Combine(CacheDirectory, ".lock"), cancellationToken))
                await RunScriptAsync(cancellationToken);
            if (!File.Exists(ImagePath))
                throw new InvalidOperationException($"scripts/make-guest-image succeeded but {ImagePath} does not exist:\n{LastScriptLog}");
            _checked = true;
            return ImagePath;
        }
        finally
        {
            InProcess.Release();
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                // The OS drops the lock when the process dies, so a crashed run never leaves it held.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    private static async Task RunScriptAsync(CancellationToken cancellationToken)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "make-guest-image");
        var start = new ProcessStartInfo(script)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ImagePath);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{script} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        LastScriptLog = ((await stderr) + (await stdout)).Trim();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} {ImagePath} failed ({process.ExitCode}):\n{LastScriptLog}");
    }

    /// <summary>The checkout these tests were built from: the first parent of the test binaries holding the script.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "make-guest-image")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no scripts/make-guest-image above {AppContext.BaseDirectory}");
    }
}
