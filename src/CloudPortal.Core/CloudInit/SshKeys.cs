using System.Security.Cryptography;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.CloudInit;

/// <summary>An SSH public key in a user's profile: offered at create, written into the machine's NoCloud seed.</summary>
public sealed record SshKey
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public required string Name { get; init; }
    public required string PublicKey { get; init; }
    /// <summary>"SHA256:..." as ssh-keygen -l prints it.</summary>
    public required string Fingerprint { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public interface ISshKeyStore
{
    /// <summary>The same name or the same key twice in one profile is a <see cref="ConflictException"/>.</summary>
    Task InsertAsync(SshKey key, CancellationToken ct);
    Task<IReadOnlyList<SshKey>> ListAsync(Guid userId, CancellationToken ct);
    Task<bool> DeleteAsync(Guid userId, Guid id, CancellationToken ct);
}

/// <summary>A user's own SSH keys: nobody else sees or uses them.</summary>
public sealed class SshKeyService(ISshKeyStore keys, IAuditLog audit)
{
    public const int MaxKeysPerUser = 50;
    public const int MaxNameLength = 100;

    public Task<IReadOnlyList<SshKey>> ListAsync(Caller caller, CancellationToken ct) => keys.ListAsync(caller.UserId, ct);

    public Task<SshKey> AddAsync(Caller caller, string? name, string? publicKey, CancellationToken ct) =>
        audit.RunAsync(caller, "ssh-key.add", "ssh-key", null, name, async () =>
        {
            var errors = new ValidationErrors();
            var trimmedName = name?.Trim();
            if (string.IsNullOrEmpty(trimmedName))
                errors.Add("name", "name is required.");
            else if (trimmedName.Length > MaxNameLength || trimmedName.Any(char.IsControl))
                errors.Add("name", $"name must be at most {MaxNameLength} characters without control characters.");
            SshPublicKey? parsed = null;
            if (!SshPublicKey.TryParse(publicKey, out parsed, out var keyError))
                errors.Add("publicKey", $"The public key {keyError}.");
            errors.ThrowIfAny();
            if ((await keys.ListAsync(caller.UserId, ct)).Count >= MaxKeysPerUser)
                throw new ConflictException($"A profile holds at most {MaxKeysPerUser} SSH keys; delete one first.");
            var key = new SshKey
            {
                Id = Guid.NewGuid(), UserId = caller.UserId, Name = trimmedName!, PublicKey = parsed!.ToString(),
                Fingerprint = Fingerprint(parsed), CreatedAt = Clock.Now(),
            };
            await keys.InsertAsync(key, ct);
            return key;
        }, k => $"id {k.Id}, {k.Fingerprint}", ct);

    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "ssh-key.delete", "ssh-key", id.ToString(), null, async () =>
        {
            if (!await keys.DeleteAsync(caller.UserId, id, ct))
                throw new NotFoundException($"SSH key {id} was not found.");
        }, ct);

    /// <summary>The caller's keys of these ids, as key lines; an id that is not the caller's is a 400 on sshKeyIds.</summary>
    public async Task<IReadOnlyList<string>> ResolveAsync(Caller caller, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
            return [];
        var mine = (await keys.ListAsync(caller.UserId, ct)).ToDictionary(k => k.Id);
        var missing = ids.Where(id => !mine.ContainsKey(id)).ToList();
        if (missing.Count > 0)
            throw ValidationFailedException.For("sshKeyIds", $"SSH key {missing[0]} is not in your profile.");
        return ids.Distinct().Select(id => mine[id].PublicKey).ToList();
    }

    public static string Fingerprint(SshPublicKey key) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(key.Base64))).TrimEnd('=');
}
