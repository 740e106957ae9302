using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CloudPortal.Core.Images;

/// <summary>
/// Content-addressed blobs: each content lives once at <c>{root}/sha256/{first two hex}/{sha256}</c>. Uploads are
/// written to <c>{root}/tmp</c> (the same file system, so the final step is an atomic rename) while they are hashed,
/// never held in memory. Adding and removing a content is done under a lock on its hash, so that two uploads of the
/// same bytes keep one blob and a delete never removes a blob that an upload has just decided to reuse.
/// </summary>
public sealed class ContentStore
{
    private const int BufferSize = 1024 * 1024;
    private readonly ConcurrentDictionary<string, HashLock> _locks = new(StringComparer.Ordinal);

    public ContentStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(TemporaryDirectory);
        Directory.CreateDirectory(Path.Combine(Root, "sha256"));
    }

    public string Root { get; }
    public string TemporaryDirectory => Path.Combine(Root, "tmp");

    public string PathOf(string sha256)
    {
        if (!IsSha256(sha256))
            throw new ArgumentException($"'{sha256}' is not a lower-case hex SHA-256.", nameof(sha256));
        return Path.Combine(Root, "sha256", sha256[..2], sha256);
    }

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    public static bool IsSha256(string? text) =>
        text is { Length: 64 } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>
    /// Copies <paramref name="source"/> to a new temporary file while hashing it. <paramref name="onWritten"/> sees the
    /// running byte count after every chunk and throws to stop (size or quota limit); the temporary file is removed
    /// when anything fails, and by disposing the result unless it was committed.
    /// </summary>
    public async Task<StagedContent> StageAsync(Stream source, Action<long>? onWritten, CancellationToken ct)
    {
        var path = Path.Combine(TemporaryDirectory, $"upload-{Guid.NewGuid():N}.part");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long written = 0;
            await using (var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
            }))
            {
                var buffer = new byte[BufferSize];
                while (true)
                {
                    // Fill the buffer as far as the source allows: multipart sections arrive in small reads.
                    var filled = 0;
                    int read;
                    while (filled < buffer.Length && (read = await source.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
                        filled += read;
                    if (filled == 0)
                        break;
                    written += filled;
                    onWritten?.Invoke(written);
                    hash.AppendData(buffer, 0, filled);
                    await file.WriteAsync(buffer.AsMemory(0, filled), ct);
                    if (filled < buffer.Length)
                        break;
                }
            }
            return new StagedContent(this, path, Convert.ToHexStringLower(hash.GetHashAndReset()), written);
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    /// <summary>Serializes every add and remove of one content (in this process).</summary>
    public async Task<IDisposable> LockAsync(string sha256, CancellationToken ct)
    {
        HashLock entry;
        lock (_locks)
        {
            entry = _locks.GetOrAdd(sha256, _ => new HashLock());
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(ct);
        }
        catch
        {
            Leave(sha256, entry);
            throw;
        }
        return new Releaser(() =>
        {
            entry.Gate.Release();
            Leave(sha256, entry);
        });
    }

    /// <summary>
    /// Makes the staged file the blob of its hash, or drops it when that content is stored already. Call under
    /// <see cref="LockAsync"/>. Returns true when the content was already stored (the upload reused it).
    /// </summary>
    public bool Commit(StagedContent staged)
    {
        var target = PathOf(staged.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target))
        {
            staged.Discard();
            return true;
        }
        // On disk before the rename makes it a blob, so that a crash cannot leave a blob with the wrong bytes. Only
        // here: an upload of content already stored is dropped without paying for a flush.
        using (var handle = File.OpenHandle(staged.TemporaryPath, FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.FlushToDisk(handle);
        try
        {
            File.Move(staged.TemporaryPath, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            // Another portal process on the same directory stored the same bytes first.
            staged.Discard();
            return true;
        }
        staged.MarkCommitted();
        return false;
    }

    /// <summary>Removes a content's blob (call under <see cref="LockAsync"/>, once no image names it).</summary>
    public void Remove(string sha256) => TryDelete(PathOf(sha256));

    /// <summary>Temporary files of uploads cut off by a crash or restart; call at start-up only.</summary>
    public int SweepTemporaryFiles()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(TemporaryDirectory))
        {
            if (TryDelete(file))
                removed++;
        }
        return removed;
    }

    /// <summary>The hashes of every stored blob.</summary>
    public IEnumerable<string> ListContents() =>
        Directory.EnumerateFiles(Path.Combine(Root, "sha256"), "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(IsSha256)
            .Select(name => name!);

    /// <summary>Bytes the blobs take on disk, each content once.</summary>
    public long StoredBytes() =>
        Directory.EnumerateFiles(Path.Combine(Root, "sha256"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    internal static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
                return false;
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Leave(string sha256, HashLock entry)
    {
        lock (_locks)
        {
            if (--entry.Users == 0)
                _locks.TryRemove(sha256, out _);
        }
    }

    private sealed class HashLock
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public int Users { get; set; }
    }

    private sealed class Releaser(Action release) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                release();
        }
    }
}

/// <summary>An uploaded file, hashed, waiting in the temporary directory; disposing removes it unless it became a blob.</summary>
public sealed class StagedContent(ContentStore store, string temporaryPath, string sha256, long sizeBytes) : IDisposable
{
    private bool _committed;

    public string TemporaryPath { get; } = temporaryPath;
    public string Sha256 { get; } = sha256;
    public long SizeBytes { get; } = sizeBytes;
    public ContentStore Store { get; } = store;

    internal void MarkCommitted() => _committed = true;

    internal void Discard() => ContentStore.TryDelete(TemporaryPath);

    public void Dispose()
    {
        if (!_committed)
            Discard();
    }
}
