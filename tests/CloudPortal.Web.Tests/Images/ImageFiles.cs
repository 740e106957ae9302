using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace CloudPortal.Web.Tests.Images;

/// <summary>Real disk image files made with qemu-img in a temporary directory (prefix cpk-), removed on dispose.</summary>
public sealed class ImageFiles : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("cpk-images-").FullName;

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>A qcow2 of <paramref name="virtualMiB"/> whose first 64 KiB are random, so that no two are the same bytes.</summary>
    public async Task<string> Qcow2Async(int virtualMiB = 16)
    {
        var path = PathOf($"cpk-{Guid.NewGuid():N}.qcow2");
        var raw = PathOf($"cpk-{Guid.NewGuid():N}.src");
        await using (var source = File.Create(raw))
        {
            await source.WriteAsync(RandomNumberGenerator.GetBytes(64 * 1024));
            source.SetLength(virtualMiB * 1024L * 1024);
        }
        await QemuImgAsync(["convert", "-f", "raw", "-O", "qcow2", raw, path]);
        File.Delete(raw);
        return path;
    }

    /// <summary>A qcow2 with only qemu-img create's content: the same bytes every time for the same size and options.</summary>
    public async Task<string> PlainQcow2Async(int virtualMiB, params string[] options)
    {
        var path = PathOf($"cpk-{Guid.NewGuid():N}.qcow2");
        string[] create = ["create", "-f", "qcow2", .. options, path, $"{virtualMiB}M"];
        await QemuImgAsync(create);
        return path;
    }

    /// <summary>Random bytes, a whole number of sectors: qemu-img probes it as raw.</summary>
    public async Task<string> RawAsync(int bytes)
    {
        var path = PathOf($"cpk-{Guid.NewGuid():N}.raw");
        var data = RandomNumberGenerator.GetBytes(bytes);
        // Zero the first sector so that random bytes can never look like another format's header.
        Array.Clear(data, 0, Math.Min(512, bytes));
        await File.WriteAllBytesAsync(path, data);
        return path;
    }

    public async Task<string> BytesAsync(byte[] data)
    {
        var path = PathOf($"cpk-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, data);
        return path;
    }

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task QemuImgAsync(IReadOnlyList<string> arguments, bool allowFailure = false)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !allowFailure)
            throw new InvalidOperationException($"qemu-img {string.Join(' ', arguments)} failed: {await error}");
    }

    /// <summary>The upload form: text fields first, then the file (streamed from disk, never read whole).</summary>
    public static MultipartFormDataContent Form(string path, string name, IReadOnlyDictionary<string, string>? fields = null, bool chunked = false)
    {
        var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        foreach (var (key, value) in fields ?? new Dictionary<string, string>())
            form.Add(new StringContent(value), key);
        Stream stream = File.OpenRead(path);
        if (chunked)
            stream = new UnseekableStream(stream);
        var file = new StreamContent(stream, 1024 * 1024);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Path.GetFileName(path));
        return form;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Hides the length, so that the request goes out chunked without a Content-Length.</summary>
    private sealed class UnseekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
