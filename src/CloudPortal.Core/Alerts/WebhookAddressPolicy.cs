using System.Net;
using System.Net.Sockets;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Alerts;

/// <summary>
/// Where the portal may POST a tenant's webhook: public unicast addresses only, so that a tenant cannot make the
/// portal talk to its own loopback services, the local networks behind it or a cloud metadata service
/// (server-side request forgery). An administrator's allow-list (CloudPortal:Alerts:WebhookAllowedNetworks) admits networks
/// anyway, for a receiver on site. Checked when a URL is saved and again on every connection, so that a name
/// that resolves elsewhere after the save (DNS rebinding) gains nothing.
/// </summary>
public sealed class WebhookAddressPolicy(IReadOnlyList<IPNetwork> allowedNetworks)
{
    /// <summary>The configuration key of the allow-list; CLOUDPORTAL_WEBHOOK_ALLOWED_NETWORKS sets it too.</summary>
    public const string AllowedNetworksKey = "CloudPortal:Alerts:WebhookAllowedNetworks";
    public const string AllowedNetworksVariable = "CLOUDPORTAL_WEBHOOK_ALLOWED_NETWORKS";

    /// <summary>How long a name may take to resolve when a URL is saved.</summary>
    public static readonly TimeSpan SaveResolveTimeout = TimeSpan.FromSeconds(10);

    private static readonly (IPNetwork Network, string Why)[] RefusedV4 =
    [
        (IPNetwork.Parse("0.0.0.0/32"), "the unspecified address"),
        (IPNetwork.Parse("0.0.0.0/8"), "in 0.0.0.0/8 ('this network')"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private address (RFC 1918)"),
        (IPNetwork.Parse("100.64.0.0/10"), "a carrier-grade NAT address (RFC 6598)"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address (where cloud metadata services answer)"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private address (RFC 1918)"),
        (IPNetwork.Parse("192.0.0.0/24"), "an IETF protocol assignment address"),
        (IPNetwork.Parse("192.0.2.0/24"), "a documentation address"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private address (RFC 1918)"),
        (IPNetwork.Parse("198.18.0.0/15"), "a benchmarking address"),
        (IPNetwork.Parse("198.51.100.0/24"), "a documentation address"),
        (IPNetwork.Parse("203.0.113.0/24"), "a documentation address"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("255.255.255.255/32"), "the broadcast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved address"),
    ];

    private static readonly (IPNetwork Network, string Why)[] RefusedV6 =
    [
        (IPNetwork.Parse("::/128"), "the unspecified address"),
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("::/96"), "a deprecated IPv4-compatible address"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "a local-use NAT64 address"),
        (IPNetwork.Parse("100::/64"), "a discard-only address"),
        (IPNetwork.Parse("2001:db8::/32"), "a documentation address"),
        (IPNetwork.Parse("fc00::/7"), "a unique local address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("fec0::/10"), "a deprecated site-local address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
    ];

    // Prefixes whose addresses carry an IPv4 address that a translator or relay would reach: judged by that one.
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    public IReadOnlyList<IPNetwork> AllowedNetworks { get; } = allowedNetworks;

    /// <summary>
    /// The allow-list from comma-separated CIDRs (a bare address is a network of one); empty or null: none.
    /// Throws InvalidSettingException naming the first entry that is not a network.
    /// </summary>
    public static IReadOnlyList<IPNetwork> ParseNetworks(string? list)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // A base address with bits after the prefix (10.0.0.1/8) is refused rather than masked: it is likely a typo.
            if (entry.Contains('/') && IPNetwork.TryParse(entry, out var network) && IPAddress.TryParse(entry[..entry.IndexOf('/')], out var written)
                && written.Equals(network.BaseAddress))
                networks.Add(network);
            else if (!entry.Contains('/') && IPAddress.TryParse(entry, out var single))
                networks.Add(new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else
                throw new InvalidSettingException($"{AllowedNetworksKey} ({AllowedNetworksVariable}): '{entry}' is not a network in CIDR notation " +
                    "such as 192.168.10.0/24 or fd00:1::/64 (the address must have no bits set after the prefix length).");
        }
        return networks;
    }

    /// <summary>Why the portal may not connect to this address ("127.0.0.1 is a loopback address"), or null when it may.</summary>
    public string? WhyRefused(IPAddress address)
    {
        if (IsAllowListed(address))
            return null;
        if (address.IsIPv4MappedToIPv6)
        {
            var v4 = address.MapToIPv4();
            return Why(v4) is { } mapped ? $"{address} is the IPv4-mapped form of {v4}, {mapped}" : null;
        }
        if (Embedded(address) is { } embedded && !IsAllowListed(embedded.Address) && Why(embedded.Address) is { } inner)
            return $"{address} is the {embedded.Kind} form of {embedded.Address}, {inner}";
        return Why(address) is { } why ? $"{address} is {why}" : null;
    }

    private bool IsAllowListed(IPAddress address)
    {
        foreach (var network in AllowedNetworks)
        {
            if (network.Contains(address) || (address.IsIPv4MappedToIPv6 && network.Contains(address.MapToIPv4())))
                return true;
        }
        return false;
    }

    private string? Why(IPAddress address)
    {
        if (IsAllowListed(address))
            return null;
        var table = address.AddressFamily == AddressFamily.InterNetwork ? RefusedV4 : RefusedV6;
        foreach (var (network, why) in table)
        {
            if (network.Contains(address))
                return why;
        }
        return null;
    }

    private static (IPAddress Address, string Kind)? Embedded(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return null;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address))
            return (new IPAddress(bytes[12..]), "NAT64");
        if (SixToFour.Contains(address))
            return (new IPAddress(bytes[2..6]), "6to4");
        return null;
    }

    /// <summary>
    /// The addresses of <paramref name="host"/> (a name or a literal address) the portal may connect to, in the
    /// resolver's order; throws WebhookDestinationRefusedException when there is none, naming what was refused.
    /// </summary>
    public async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken ct)
    {
        var addresses = await ResolveAsync(host, ct);
        var allowed = addresses.Where(a => WhyRefused(a) is null).ToArray();
        if (allowed.Length > 0)
            return allowed;
        var reasons = addresses.Select(a => WhyRefused(a)!).Distinct();
        throw new WebhookDestinationRefusedException(
            $"refused: the webhook host {host} has no address the portal may connect to ({string.Join("; ", reasons)}).");
    }

    /// <summary>
    /// Why the portal would not deliver to this URL's host (a refused literal address, a name that resolves to one,
    /// or a name that does not resolve), or null when every address of it is allowed.
    /// </summary>
    public async Task<string?> CheckHostAsync(Uri url, CancellationToken ct)
    {
        IPAddress[] addresses;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(SaveResolveTimeout);
        try
        {
            addresses = await ResolveAsync(url.IdnHost, timeout.Token);
        }
        catch (SocketException ex)
        {
            return $"url's host {url.Host} cannot be resolved ({ex.Message}).";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"url's host {url.Host} did not resolve within {SaveResolveTimeout.TotalSeconds:0} s.";
        }
        // Every address, not only the first: a name that also points inside would be one the portal might pick.
        foreach (var address in addresses)
        {
            if (WhyRefused(address) is { } why)
            {
                var what = IPAddress.TryParse(url.Host.Trim('[', ']'), out _) ? "url's host" : $"url's host {url.Host} resolves to an address that";
                return $"{what} is not allowed for webhooks: {why}. Only public addresses are; an administrator can allow networks " +
                    $"with {AllowedNetworksKey}.";
            }
        }
        return null;
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
            return [literal];
        var addresses = await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0)
            throw new SocketException((int)SocketError.HostNotFound);
        return addresses;
    }
}

/// <summary>A webhook delivery the policy stopped before any connection: not retried, the message is the recorded status.</summary>
public sealed class WebhookDestinationRefusedException(string message) : Exception(message);
