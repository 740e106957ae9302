using System.Diagnostics;
using System.Text;

namespace CloudPortal.Core.CloudInit;

/// <summary>genisoimage failed or could not be run; the message carries what it said.</summary>
public sealed class SeedImageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Builds a cloud-init NoCloud seed: meta-data and user-data files on an ISO 9660 image labelled "cidata"
/// (Joliet and Rock Ridge, so the lowercase names survive), which a guest reads from a CD-ROM.
/// </summary>
public static class NoCloudSeedBuilder
{
    public const string VolumeLabel = "cidata";

    /// <summary>The meta-data document: instance-id, local-hostname and (when any) public-keys.</summary>
    public static string MetaData(CloudInitSeed seed)
    {
        var yaml = new SeedYamlWriter()
            .Scalar("instance-id", seed.InstanceId)
            .Scalar("local-hostname", seed.Hostname);
        var keys = NormalisedKeys(seed);
        if (keys.Count > 0)
            yaml.List("public-keys", keys);
        return yaml.ToString();
    }

    /// <summary>The user's document verbatim (with a final newline), or an empty cloud-config when there is none.</summary>
    public static string UserData(CloudInitSeed seed) => seed.UserData switch
    {
        null => "#cloud-config\n{}\n",
        var text when text.EndsWith('\n') => text,
        var text => text + "\n",
    };

    /// <summary>Validates the seed and writes the ISO to <paramref name="isoPath"/> (replaced whole, or left untouched on failure).</summary>
    /// <exception cref="Common.ValidationFailedException">The seed is not valid (field map).</exception>
    /// <exception cref="SeedImageException">genisoimage is missing or failed.</exception>
    public static async Task BuildIsoAsync(CloudInitSeed seed, string isoPath, CancellationToken cancellationToken)
    {
        CloudInitSeedRules.Validate(seed);
        ArgumentException.ThrowIfNullOrEmpty(isoPath);
        isoPath = Path.GetFullPath(isoPath);

        var work = Directory.CreateTempSubdirectory("cloudportal-seed-");
        var partial = isoPath + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
            var metaData = Path.Combine(work.FullName, "meta-data");
            var userData = Path.Combine(work.FullName, "user-data");
            await File.WriteAllTextAsync(metaData, MetaData(seed), utf8, cancellationToken);
            await File.WriteAllTextAsync(userData, UserData(seed), utf8, cancellationToken);

            await RunGenisoimageAsync(["-quiet", "-V", VolumeLabel, "-J", "-r", "-o", partial, metaData, userData], cancellationToken);
            File.Move(partial, isoPath, overwrite: true);
        }
        finally
        {
            TryDelete(partial);
            try { work.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static List<string> NormalisedKeys(CloudInitSeed seed) =>
        (seed.SshPublicKeys ?? []).Select(k => SshPublicKey.TryParse(k, out var key, out _) ? key!.ToString() : k.Trim()).ToList();

    private static async Task RunGenisoimageAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("genisoimage")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SeedImageException("genisoimage did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SeedImageException("genisoimage cannot be run (is the genisoimage package installed?): " + e.Message, e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw;
            }
            var error = (await stderr).Trim();
            _ = await stdout;
            if (process.ExitCode != 0)
                throw new SeedImageException($"genisoimage failed (exit {process.ExitCode}): {(error.Length > 0 ? error : "no message")}");
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
