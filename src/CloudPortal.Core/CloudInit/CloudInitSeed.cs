using System.Text;
using System.Text.RegularExpressions;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.CloudInit;

/// <summary>What a guest learns at first boot from its NoCloud seed (meta-data and user-data).</summary>
/// <param name="InstanceId">Changes when the guest is a new instance (cloud-init reruns its first-boot work then).</param>
/// <param name="Hostname">RFC 1123 name, becomes meta-data local-hostname.</param>
/// <param name="SshPublicKeys">OpenSSH public key lines, become meta-data public-keys.</param>
/// <param name="UserData">A "#!" script or a "#cloud-config" document, written verbatim; null for none.</param>
public sealed record CloudInitSeed(
    string InstanceId,
    string Hostname,
    IReadOnlyList<string> SshPublicKeys,
    string? UserData);

public static partial class CloudInitSeedRules
{
    public const int MaxHostnameLength = 253;
    public const int MaxInstanceIdLength = 128;
    public const int MaxSshPublicKeys = 32;

    /// <summary>16 KiB, as on the big clouds: a seed is for bootstrapping, not for shipping files.</summary>
    public const int MaxUserDataBytes = 16 * 1024;

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex HostnameLabel();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
    private static partial Regex InstanceIdPattern();

    /// <summary>Every problem of the seed at once, as a field map; nothing is thrown for a valid seed.</summary>
    public static void Validate(CloudInitSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var errors = new ValidationErrors();

        if (HostnameError(seed.Hostname) is { } hostnameError)
            errors.Add("hostname", hostnameError);

        if (string.IsNullOrEmpty(seed.InstanceId))
            errors.Add("instanceId", "Instance id is required.");
        else if (seed.InstanceId.Length > MaxInstanceIdLength || !InstanceIdPattern().IsMatch(seed.InstanceId))
            errors.Add("instanceId", $"Instance id must be 1-{MaxInstanceIdLength} letters, digits, '.', '_', ':' or '-', starting with a letter or digit.");

        var keys = seed.SshPublicKeys ?? [];
        if (keys.Count > MaxSshPublicKeys)
            errors.Add("sshPublicKeys", $"At most {MaxSshPublicKeys} SSH public keys are allowed, not {keys.Count}.");
        for (var i = 0; i < keys.Count; i++)
        {
            if (!SshPublicKey.TryParse(keys[i], out _, out var keyError))
                errors.Add("sshPublicKeys", $"Key {i + 1} {keyError}.");
        }

        if (seed.UserData is { } userData)
        {
            var bytes = Encoding.UTF8.GetByteCount(userData);
            if (bytes > MaxUserDataBytes)
                errors.Add("userData", $"User data is {bytes} bytes; at most {MaxUserDataBytes} are allowed.");
            if (userData.Contains('\0'))
                errors.Add("userData", "User data must be text (it contains a NUL character).");
            if (!userData.StartsWith("#!", StringComparison.Ordinal)
                && !userData.StartsWith("#cloud-config", StringComparison.Ordinal))
                errors.Add("userData", "User data must be a script starting with '#!' or a document starting with '#cloud-config'.");
        }

        errors.ThrowIfAny();
    }

    /// <returns>null when the name is a valid RFC 1123 host name (labels of letters, digits and inner hyphens).</returns>
    public static string? HostnameError(string? hostname)
    {
        if (string.IsNullOrEmpty(hostname))
            return "Hostname is required.";
        if (hostname.Length > MaxHostnameLength)
            return $"Hostname is longer than {MaxHostnameLength} characters.";
        foreach (var label in hostname.Split('.'))
        {
            if (!HostnameLabel().IsMatch(label))
                return $"Hostname label '{label}' is not valid: 1-63 letters, digits or hyphens, not starting or ending with a hyphen.";
        }
        return null;
    }

    /// <summary>A fresh instance id ("iid-" and 32 hex digits).</summary>
    public static string NewInstanceId() => "iid-" + Guid.NewGuid().ToString("N");
}
