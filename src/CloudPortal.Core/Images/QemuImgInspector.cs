using System.Diagnostics;
using System.Text.Json;
using CloudPortal.Core.Common;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Images;

/// <summary>What qemu-img found in an upload that the catalogue accepts.</summary>
public sealed record ImageInspection(ImageFormat Format, long VirtualSizeBytes);

/// <summary>
/// Decides an upload's format with <c>qemu-img info --output=json</c>, probing exactly once; every later look uses
/// the detected format explicitly (<c>-f</c>), as provisioning will. Refuses (a 400 on the "file" field) anything
/// but a self-contained qcow2 or raw disk: another format, a backing file, an external data file, a qcow2 that
/// <c>qemu-img check</c> finds corrupt or truncated, a raw file that is not whole 512-byte sectors, and whatever
/// qemu-img cannot open.
/// </summary>
public sealed class QemuImgInspector(IOptions<ImageOptions> options)
{
    private const int SectorBytes = 512;

    public async Task<ImageInspection> InspectAsync(string path, long sizeBytes, CancellationToken ct)
    {
        if (sizeBytes == 0)
            throw Refused("The file is empty.");
        var (code, output, error) = await RunAsync(["info", "--output=json", path], ct);
        if (code != 0)
            throw Refused($"qemu-img cannot read it as a disk image: {FirstLine(error)}");
        var info = Parse(output);
        var formatName = info.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (formatName is not ("qcow2" or "raw"))
            throw Refused($"Its format is {formatName ?? "unknown"}; the catalogue accepts qcow2 and raw only.");
        if (info.TryGetProperty("backing-filename", out var backing))
            throw Refused($"It has a backing file ({backing.GetString()}); upload a self-contained image (qemu-img convert flattens it).");
        if (info.TryGetProperty("format-specific", out var specific) && specific.TryGetProperty("data", out var data)
            && data.TryGetProperty("data-file", out var dataFile))
            throw Refused($"It keeps its data in an external data file ({dataFile.GetString()}); upload a self-contained image.");
        if (info.TryGetProperty("encrypted", out var encrypted) && encrypted.ValueKind == JsonValueKind.True)
            throw Refused("It is encrypted; upload an unencrypted image.");
        var virtualSize = info.TryGetProperty("virtual-size", out var v) && v.TryGetInt64(out var size) ? size : 0;
        if (virtualSize <= 0)
            throw Refused("Its virtual size is zero.");

        var format = ImageFormats.Parse(formatName);
        if (format == ImageFormat.Raw)
        {
            // Any bytes "are" raw to qemu-img, so the one thing to check is that they could be a disk at all.
            if (sizeBytes % SectorBytes != 0)
                throw Refused($"As a raw disk it must be a whole number of {SectorBytes}-byte sectors, but it is {sizeBytes} bytes: not a disk image, or truncated.");
        }
        else
        {
            // Exit 3 is leaked clusters only: wasted space, not damage. 2 is corruption, 1 a check that could not finish.
            var (checkCode, checkOutput, checkError) = await RunAsync(["check", "-f", "qcow2", "--output=json", path], ct);
            if (checkCode is not (0 or 3))
                throw Refused($"qemu-img check finds it damaged or truncated: {Describe(checkOutput, checkError)}");
            // A file cut short can still check clean (what is missing reads as unallocated), but the clusters its
            // refcounts record as used end beyond the file. qemu-img itself writes the last cluster short (a new
            // image ends a few bytes into it), so only a file that does not reach into its last cluster is cut.
            var clusterSize = info.TryGetProperty("cluster-size", out var cs) && cs.TryGetInt64(out var c) ? c : 65536;
            if (EndOffset(checkOutput) is { } end && sizeBytes <= end - clusterSize)
                throw Refused($"qemu-img check finds it truncated: its clusters end at byte {end}, but the file has only {sizeBytes} bytes.");
        }
        return new ImageInspection(format, virtualSize);
    }

    private static ValidationFailedException Refused(string message) => ValidationFailedException.For("file", message);

    private static JsonElement Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw Refused("qemu-img gave no readable description of it.");
        }
    }

    private static long? EndOffset(string checkOutput)
    {
        try
        {
            using var document = JsonDocument.Parse(checkOutput);
            return document.RootElement.TryGetProperty("image-end-offset", out var end) && end.TryGetInt64(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(string output, string error)
    {
        var firstError = FirstLine(error);
        try
        {
            using var document = JsonDocument.Parse(output);
            var root = document.RootElement;
            var corruptions = root.TryGetProperty("corruptions", out var c) ? c.GetInt64() : 0;
            var checkErrors = root.TryGetProperty("check-errors", out var e) ? e.GetInt64() : 0;
            return $"{corruptions} corruptions, {checkErrors} check errors" + (firstError.Length > 0 ? $" ({firstError})" : "");
        }
        catch (JsonException)
        {
            return firstError.Length > 0 ? firstError : "no details";
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return line.Length > 300 ? line[..300] : line;
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(options.Value.QemuImg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.InspectionTimeout);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"qemu-img ({options.Value.QemuImg}) cannot be run: {ex.Message}. Install qemu-utils.", ex);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                return (process.ExitCode, await output, await error);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (ct.IsCancellationRequested)
                    throw;
                throw Refused($"qemu-img took longer than {options.Value.InspectionTimeout} to inspect it.");
            }
        }
    }
}
