using CloudPortal.Core.Common;

namespace CloudPortal.Core.Hosts;

public static class HostUriRules
{
    private static readonly string[] Schemes =
        ["qemu", "qemu+tcp", "qemu+tls", "qemu+ssh", "qemu+unix", "qemu+libssh2", "test"];

    /// <summary>Accepts the libvirt URIs a cloud host can have; the error says what a valid one looks like.</summary>
    public static void Validate(string? uri, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            errors.Add("uri", "uri is required.");
            return;
        }
        if (uri.Length > 512 || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            errors.Add("uri", "uri must be a libvirt URI such as qemu:///system or qemu+tcp://10.0.0.5/system.");
            return;
        }
        if (!Schemes.Contains(parsed.Scheme, StringComparer.Ordinal))
            errors.Add("uri", $"uri scheme '{parsed.Scheme}' is not supported; use one of {string.Join(", ", Schemes)}.");
        else if (parsed.Scheme == "test" ? parsed.AbsolutePath != "/default" : parsed.AbsolutePath is not ("/system" or "/session"))
            errors.Add("uri", "uri path must be /system (or /session; /default for test:).");
    }
}
