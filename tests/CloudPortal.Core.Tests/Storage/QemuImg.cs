using System.Diagnostics;
using System.Security.Cryptography;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>Real images made with qemu-img/qemu-io, outside the portal.</summary>
public static class QemuImg
{
    public static async Task<string> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed: {await stderr}");
        return await stdout;
    }

    /// <summary>A qcow2 of <paramref name="virtualMiB"/> with its first <paramref name="dataMiB"/> written, described as the catalogue would.</summary>
    public static async Task<ImageContent> CreateQcow2Async(string path, int virtualMiB, int dataMiB)
    {
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", path, $"{virtualMiB}M");
        if (dataMiB > 0)
            await RunAsync("qemu-io", "-f", "qcow2", "-c", $"write -P 7 0 {dataMiB}M", path);
        await using var file = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        return new ImageContent(Guid.NewGuid(), Path.GetFileName(path), sha, ImageFormat.Qcow2, (long)virtualMiB << 20, new FileInfo(path).Length, path);
    }
}

/// <summary>The catalogue's contract served from files made by the test: every image is visible to its tenant only.</summary>
public sealed class FileImageContentSource : IImageContentSource
{
    private readonly Dictionary<Guid, (Guid TenantId, ImageContent Content)> _images = [];

    public void Add(Guid tenantId, ImageContent content) => _images[content.ImageId] = (tenantId, content);

    public Task<ImageContent?> FindForCallerAsync(Caller caller, Guid imageId, CancellationToken cancellationToken) =>
        Task.FromResult(_images.TryGetValue(imageId, out var entry) && (entry.TenantId == caller.TenantId || caller.IsAdmin)
            ? entry.Content
            : null);
}
