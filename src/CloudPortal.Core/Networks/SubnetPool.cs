using System.Net;
using System.Net.Sockets;

namespace CloudPortal.Core.Networks;

/// <summary>
/// The IPv4 range tenant networks are cut from, in /24 slices: slice i of 10.200.0.0/16 is 10.200.i.0/24. The
/// gateway is .1, DHCP hands out .10-.250 and machines get fixed addresses from .10 on.
/// </summary>
public sealed class SubnetPool
{
    public const int FirstHost = 10;
    public const int LastHost = 250;

    private readonly uint _base;

    public SubnetPool(string cidr)
    {
        if (!IPNetwork.TryParse(cidr, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"The network pool '{cidr}' is not an IPv4 CIDR such as 10.200.0.0/16.", nameof(cidr));
        if (!IPAddress.Parse(cidr[..cidr.IndexOf('/')]).Equals(network.BaseAddress))
            throw new ArgumentException($"The network pool '{cidr}' has host bits set: did you mean {network}?", nameof(cidr));
        if (network.PrefixLength is < 8 or > 24)
            throw new ArgumentException($"The network pool '{cidr}' must be between a /8 and a /24.", nameof(cidr));
        Cidr = network.ToString();
        _base = ToUInt(network.BaseAddress);
        Slices = 1 << (24 - network.PrefixLength);
    }

    public string Cidr { get; }

    /// <summary>How many /24 networks fit in the pool.</summary>
    public int Slices { get; }

    public IPNetwork Subnet(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Slices);
        return new IPNetwork(FromUInt(_base + ((uint)index << 8)), 24);
    }

    public static IPAddress Host(IPNetwork subnet, int host) => FromUInt(ToUInt(subnet.BaseAddress) + (uint)host);

    public static IPAddress Gateway(IPNetwork subnet) => Host(subnet, 1);

    /// <summary>A locally administered MAC in QEMU's 52:54:00 range, derived from the address so it is stable.</summary>
    public static string MacFor(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return $"52:54:00:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}";
    }

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static IPAddress FromUInt(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
