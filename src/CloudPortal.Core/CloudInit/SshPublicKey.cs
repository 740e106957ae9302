using System.Buffers.Binary;
using System.Text;

namespace CloudPortal.Core.CloudInit;

/// <summary>
/// One OpenSSH public key line ("type base64 [comment]"), checked the way sshd would read it: a known type, a
/// base64 blob that decodes, and a blob that names the same type in its first field (so a pasted private key,
/// a truncated key or a key with a swapped prefix is refused before it reaches a guest).
/// </summary>
public sealed record SshPublicKey(string Type, string Base64, string? Comment)
{
    public const int MaxLength = 16 * 1024;
    public const int MaxCommentLength = 256;

    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    };

    /// <summary>The normalised line: single spaces, no surrounding whitespace.</summary>
    public override string ToString() => Comment is null ? $"{Type} {Base64}" : $"{Type} {Base64} {Comment}";

    public static bool TryParse(string? line, out SshPublicKey? key, out string error)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            error = "is empty";
            return false;
        }
        if (line.Length > MaxLength)
        {
            error = $"is longer than {MaxLength} characters";
            return false;
        }
        var trimmed = line.Trim();
        if (trimmed.Any(char.IsControl))
        {
            error = "must be one line without control characters";
            return false;
        }
        var parts = trimmed.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!KnownTypes.Contains(parts[0]))
        {
            error = $"must start with a key type ({string.Join(", ", KnownTypes.Order(StringComparer.Ordinal))}), not '{Shorten(parts[0])}'";
            return false;
        }
        if (parts.Length < 2)
        {
            error = "has no key data after the type";
            return false;
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            error = "key data is not valid base64";
            return false;
        }
        if (!BlobNamesType(blob, parts[0]))
        {
            error = $"key data is not a {parts[0]} key (truncated, or the type does not match the data)";
            return false;
        }
        string? comment = parts.Length == 3 ? parts[2] : null;
        if (comment is not null && comment.Length > MaxCommentLength)
        {
            error = $"comment is longer than {MaxCommentLength} characters";
            return false;
        }
        key = new SshPublicKey(parts[0], parts[1], comment);
        error = "";
        return true;
    }

    // The wire format starts with uint32 length + the type name; a real key has more fields after it.
    private static bool BlobNamesType(byte[] blob, string type)
    {
        if (blob.Length < 4)
            return false;
        var length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (length != type.Length || blob.Length <= 4 + length)
            return false;
        return Encoding.ASCII.GetString(blob, 4, (int)length) == type;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
