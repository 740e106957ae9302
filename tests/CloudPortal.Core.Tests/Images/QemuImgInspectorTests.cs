using System.Diagnostics;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Tests.Images;

/// <summary>The inspector against files made by the real qemu-img.</summary>
public sealed class QemuImgInspectorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpk-inspect-").FullName;
    private readonly QemuImgInspector _inspector = new(Options.Create(new ImageOptions()));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static async Task QemuImgAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
    }

    private async Task<string> RefusalAsync(string path)
    {
        var refused = await Assert.ThrowsAsync<ValidationFailedException>(() => _inspector.InspectAsync(path, new FileInfo(path).Length, CancellationToken.None));
        return Assert.Single(refused.Errors["file"]);
    }

    [Fact]
    public async Task Inspect_Qcow2_FormatAndVirtualSize()
    {
        await QemuImgAsync("create", "-f", "qcow2", PathOf("a.qcow2"), "40M");
        var found = await _inspector.InspectAsync(PathOf("a.qcow2"), new FileInfo(PathOf("a.qcow2")).Length, CancellationToken.None);
        Assert.Equal(new ImageInspection(ImageFormat.Qcow2, 40L * 1024 * 1024), found);
    }

    [Fact]
    public async Task Inspect_Raw_FormatAndVirtualSize()
    {
        await QemuImgAsync("create", "-f", "raw", PathOf("a.raw"), "8M");
        var found = await _inspector.InspectAsync(PathOf("a.raw"), 8L * 1024 * 1024, CancellationToken.None);
        Assert.Equal(new ImageInspection(ImageFormat.Raw, 8L * 1024 * 1024), found);
    }

    [Fact]
    public async Task Inspect_BackingFile_Refused()
    {
        await QemuImgAsync("create", "-f", "qcow2", PathOf("base.qcow2"), "16M");
        await QemuImgAsync("create", "-f", "qcow2", "-b", PathOf("base.qcow2"), "-F", "qcow2", PathOf("overlay.qcow2"));
        Assert.Contains("backing file", await RefusalAsync(PathOf("overlay.qcow2")));
    }

    [Fact]
    public async Task Inspect_ExternalDataFile_Refused()
    {
        await QemuImgAsync("create", "-f", "qcow2", "-o", $"data_file={PathOf("data.raw")}", PathOf("df.qcow2"), "16M");
        Assert.Contains("data file", await RefusalAsync(PathOf("df.qcow2")));
    }

    [Fact]
    public async Task Inspect_OtherFormat_Refused()
    {
        await QemuImgAsync("create", "-f", "vdi", PathOf("a.vdi"), "16M");
        Assert.Contains("vdi", await RefusalAsync(PathOf("a.vdi")));
    }

    [Fact]
    public async Task Inspect_TruncatedQcow2_Refused()
    {
        var source = PathOf("src.raw");
        await File.WriteAllBytesAsync(source, System.Security.Cryptography.RandomNumberGenerator.GetBytes(256 * 1024));
        await QemuImgAsync("convert", "-f", "raw", "-O", "qcow2", source, PathOf("full.qcow2"));
        var bytes = await File.ReadAllBytesAsync(PathOf("full.qcow2"));
        await File.WriteAllBytesAsync(PathOf("cut.qcow2"), bytes[..(bytes.Length - 64 * 1024)]);
        Assert.Contains("truncated", await RefusalAsync(PathOf("cut.qcow2")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task Inspect_NotWholeSectorsOrEmpty_Refused(int length)
    {
        await File.WriteAllBytesAsync(PathOf("odd.bin"), new byte[length]);
        Assert.NotEmpty(await RefusalAsync(PathOf("odd.bin")));
    }
}
