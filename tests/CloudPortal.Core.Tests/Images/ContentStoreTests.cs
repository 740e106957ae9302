using System.Security.Cryptography;
using CloudPortal.Core.Images;

namespace CloudPortal.Core.Tests.Images;

/// <summary>The content-addressed store on real files in a temporary directory.</summary>
public sealed class ContentStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cpk-cas-").FullName;
    private readonly ContentStore _store;

    public ContentStoreTests() => _store = new ContentStore(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);

    private async Task<(StagedContent Staged, bool Reused)> AddAsync(byte[] data)
    {
        var staged = await _store.StageAsync(new MemoryStream(data), null, CancellationToken.None);
        using (await _store.LockAsync(staged.Sha256, CancellationToken.None))
            return (staged, _store.Commit(staged));
    }

    private string[] TemporaryFiles() => Directory.GetFiles(_store.TemporaryDirectory);

    [Fact]
    public async Task StageAndCommit_NewContent_StoredUnderItsHashWithTheSameBytes()
    {
        var data = RandomBytes(3 * 1024 * 1024 + 17);
        var (staged, reused) = await AddAsync(data);
        using (staged)
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(data));
            Assert.False(reused);
            Assert.Equal(sha, staged.Sha256);
            Assert.Equal(data.Length, staged.SizeBytes);
            Assert.Equal(Path.Combine(_root, "sha256", sha[..2], sha), _store.PathOf(sha));
            Assert.Equal(data, await File.ReadAllBytesAsync(_store.PathOf(sha)));
        }
        Assert.Empty(TemporaryFiles());
        Assert.True(File.Exists(_store.PathOf(staged.Sha256)), "disposing a committed upload removed its blob");
    }

    [Fact]
    public async Task Commit_SameBytesTwice_OneBlobSecondReused()
    {
        var data = RandomBytes(100_000);
        var (first, firstReused) = await AddAsync(data);
        var (second, secondReused) = await AddAsync(data);
        first.Dispose();
        second.Dispose();
        Assert.False(firstReused);
        Assert.True(secondReused);
        Assert.Single(_store.ListContents());
        Assert.Empty(TemporaryFiles());
    }

    [Fact]
    public async Task Commit_SameBytesConcurrently_OneBlobOneNewContent()
    {
        var data = RandomBytes(2 * 1024 * 1024);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => AddAsync(data))));
        foreach (var (staged, _) in results)
            staged.Dispose();
        Assert.Single(results, r => !r.Reused);
        Assert.Single(_store.ListContents());
        Assert.Equal(data, await File.ReadAllBytesAsync(_store.PathOf(results[0].Staged.Sha256)));
        Assert.Empty(TemporaryFiles());
    }

    [Fact]
    public async Task Stage_LimitThrowsWhileStreaming_NoTemporaryFileLeft()
    {
        var data = RandomBytes(5 * 1024 * 1024);
        await Assert.ThrowsAsync<UploadTooLargeException>(() =>
            _store.StageAsync(new MemoryStream(data), written => { if (written > 2 * 1024 * 1024) throw new UploadTooLargeException(2 * 1024 * 1024); }, CancellationToken.None));
        Assert.Empty(TemporaryFiles());
        Assert.Empty(_store.ListContents());
    }

    [Fact]
    public async Task Stage_Cancelled_NoTemporaryFileLeft()
    {
        using var cancel = new CancellationTokenSource();
        var source = new SlowStream(RandomBytes(4 * 1024 * 1024), afterBytes: 1024 * 1024, cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.StageAsync(source, null, cancel.Token));
        Assert.Empty(TemporaryFiles());
    }

    [Fact]
    public async Task Dispose_UncommittedUpload_RemovesTheTemporaryFile()
    {
        var staged = await _store.StageAsync(new MemoryStream(RandomBytes(1000)), null, CancellationToken.None);
        Assert.Single(TemporaryFiles());
        staged.Dispose();
        Assert.Empty(TemporaryFiles());
        Assert.False(_store.Exists(staged.Sha256));
    }

    [Fact]
    public async Task Stage_ManyMiBFromAStream_HashMatchesAndSizeIsExact()
    {
        // 96 MiB generated on the fly: the store must stream it, the test never holds it whole either.
        const long size = 96L * 1024 * 1024;
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var source = new PatternStream(size, expected);
        using var staged = await _store.StageAsync(source, null, CancellationToken.None);
        Assert.Equal(size, staged.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(expected.GetHashAndReset()), staged.Sha256);
        Assert.Equal(size, new FileInfo(staged.TemporaryPath).Length);
    }

    [Fact]
    public async Task Remove_DeletesTheBlob_SweepRemovesLeftoverTemporaryFiles()
    {
        var (staged, _) = await AddAsync(RandomBytes(4096));
        staged.Dispose();
        using (await _store.LockAsync(staged.Sha256, CancellationToken.None))
            _store.Remove(staged.Sha256);
        Assert.False(_store.Exists(staged.Sha256));

        await File.WriteAllBytesAsync(Path.Combine(_store.TemporaryDirectory, "upload-crashed.part"), RandomBytes(10));
        Assert.Equal(1, _store.SweepTemporaryFiles());
        Assert.Empty(TemporaryFiles());
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("abc")]
    public void PathOf_NotALowerCaseSha256_Refused(string text) =>
        Assert.Throws<ArgumentException>(() => _store.PathOf(text));

    /// <summary>Deterministic bytes of a given length, hashed as they are read.</summary>
    private sealed class PatternStream(long length, IncrementalHash hash) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, Math.Min(64 * 1024, length - _position));
            for (var i = 0; i < n; i++)
                buffer[offset + i] = (byte)((_position + i) * 31 % 251);
            hash.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Cancels its token once <paramref name="afterBytes"/> were read, like a client that goes away mid-upload.</summary>
    private sealed class SlowStream(byte[] data, int afterBytes, CancellationTokenSource cancel) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= afterBytes)
                cancel.Cancel();
            cancel.Token.ThrowIfCancellationRequested();
            var n = Math.Min(Math.Min(count, 64 * 1024), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
