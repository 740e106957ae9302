using System.Net;
using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Tests.Alerts;

public sealed class WebhookAddressPolicyTests
{
    private static readonly WebhookAddressPolicy Default = new([]);

    private static WebhookAddressPolicy Allowing(string networks) => new(WebhookAddressPolicy.ParseNetworks(networks));

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("10.255.255.255", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.254", "private")]
    [InlineData("192.168.122.1", "private")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.254", "carrier-grade NAT")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("169.254.0.1", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "0.0.0.0/8")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("192.0.0.8", "IETF protocol")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.51.100.10", "documentation")]
    [InlineData("203.0.113.10", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("fc00::1", "unique local")]
    [InlineData("fd00:ec2::254", "unique local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf:ffff::1", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("ff0e::1", "multicast")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("100::1", "discard")]
    [InlineData("::7f00:1", "IPv4-compatible")]
    [InlineData("64:ff9b:1::1", "NAT64")]
    public void WhyRefused_InsideRange_NamesTheAddressAndTheRange(string address, string range)
    {
        var why = Default.WhyRefused(IPAddress.Parse(address));

        Assert.NotNull(why);
        Assert.StartsWith(IPAddress.Parse(address).ToString(), why);
        Assert.Contains(range, why);
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1", "loopback")]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3", "private")]
    [InlineData("::ffff:169.254.169.254", "169.254.169.254", "link-local")]
    [InlineData("::ffff:100.64.1.1", "100.64.1.1", "carrier-grade NAT")]
    [InlineData("::ffff:0.0.0.0", "0.0.0.0", "unspecified")]
    [InlineData("::ffff:255.255.255.255", "255.255.255.255", "broadcast")]
    [InlineData("::ffff:224.0.0.1", "224.0.0.1", "multicast")]
    public void WhyRefused_Ipv4MappedForm_IsJudgedAsItsIpv4Address(string mapped, string v4, string range)
    {
        var why = Default.WhyRefused(IPAddress.Parse(mapped));

        Assert.NotNull(why);
        Assert.Contains($"IPv4-mapped form of {v4}", why);
        Assert.Contains(range, why);
    }

    [Theory]
    [InlineData("64:ff9b::7f00:1", "127.0.0.1", "NAT64")]
    [InlineData("64:ff9b::a9fe:a9fe", "169.254.169.254", "NAT64")]
    [InlineData("2002:c0a8:0101::1", "192.168.1.1", "6to4")]
    public void WhyRefused_TranslatedFormOfAnInsideAddress_IsRefused(string address, string v4, string kind)
    {
        var why = Default.WhyRefused(IPAddress.Parse(address));

        Assert.NotNull(why);
        Assert.Contains($"{kind} form of {v4}", why);
    }

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("169.253.255.255")]
    [InlineData("11.0.0.1")]
    [InlineData("223.255.255.254")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void WhyRefused_PublicUnicast_IsAllowed(string address)
    {
        Assert.Null(Default.WhyRefused(IPAddress.Parse(address)));
    }

    [Fact]
    public void WhyRefused_AllowListedNetwork_OverridesTheRangeOnlyInsideIt()
    {
        var policy = Allowing("127.0.0.0/8, 10.20.0.0/16, fd12:3456::/32");

        Assert.Null(policy.WhyRefused(IPAddress.Parse("127.0.0.1")));
        Assert.Null(policy.WhyRefused(IPAddress.Parse("127.5.6.7")));
        Assert.Null(policy.WhyRefused(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Null(policy.WhyRefused(IPAddress.Parse("10.20.30.40")));
        Assert.Null(policy.WhyRefused(IPAddress.Parse("fd12:3456::1")));
        Assert.Contains("private", policy.WhyRefused(IPAddress.Parse("10.21.0.1")));
        Assert.Contains("loopback", policy.WhyRefused(IPAddress.Parse("::1")));
        Assert.Contains("link-local", policy.WhyRefused(IPAddress.Parse("169.254.169.254")));
        Assert.Contains("unique local", policy.WhyRefused(IPAddress.Parse("fd12:3457::1")));
        Assert.Null(policy.WhyRefused(IPAddress.Parse("8.8.8.8")));
    }

    [Fact]
    public void WhyRefused_AllowListedMappedNetwork_AdmitsTheMappedAndTheIpv4Form()
    {
        var policy = Allowing("::ffff:192.168.50.0/120");

        Assert.Null(policy.WhyRefused(IPAddress.Parse("::ffff:192.168.50.9")));
        Assert.NotNull(policy.WhyRefused(IPAddress.Parse("::ffff:192.168.51.9")));
    }

    [Fact]
    public void WhyRefused_SingleAddressAllowed_AdmitsOnlyThatAddress()
    {
        var policy = Allowing("169.254.10.10");

        Assert.Null(policy.WhyRefused(IPAddress.Parse("169.254.10.10")));
        Assert.NotNull(policy.WhyRefused(IPAddress.Parse("169.254.10.11")));
        Assert.NotNull(policy.WhyRefused(IPAddress.Parse("169.254.169.254")));
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("", 0)]
    [InlineData(" , ", 0)]
    [InlineData("127.0.0.0/8", 1)]
    [InlineData("127.0.0.0/8,10.0.0.0/8 , fd00::/8", 3)]
    [InlineData("192.168.1.5", 1)]
    [InlineData("::1", 1)]
    public void ParseNetworks_GoodList_ParsesEveryEntry(string? list, int count)
    {
        Assert.Equal(count, WebhookAddressPolicy.ParseNetworks(list).Count);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("intranet")]
    [InlineData("127.0.0.0/8, 300.1.1.1/32")]
    [InlineData("fd00::/129")]
    [InlineData("10.0.0.0/")]
    public void ParseNetworks_BadEntry_ThrowsNamingTheEntryAndTheSetting(string list)
    {
        var ex = Assert.Throws<InvalidSettingException>(() => WebhookAddressPolicy.ParseNetworks(list));

        var bad = list.Split(',').Last().Trim();
        Assert.Contains($"'{bad}'", ex.Message);
        Assert.Contains(WebhookAddressPolicy.AllowedNetworksKey, ex.Message);
        Assert.Contains(WebhookAddressPolicy.AllowedNetworksVariable, ex.Message);
    }

    [Fact]
    public async Task ResolveAllowedAsync_LiteralLoopbackWithoutAllowList_ThrowsWithTheReason()
    {
        var ex = await Assert.ThrowsAsync<WebhookDestinationRefusedException>(() => Default.ResolveAllowedAsync("127.0.0.1", CancellationToken.None));

        Assert.StartsWith("refused:", ex.Message);
        Assert.Contains("127.0.0.1 is a loopback address", ex.Message);
    }

    [Fact]
    public async Task ResolveAllowedAsync_BracketedIpv6Literal_IsJudgedAsTheAddress()
    {
        var ex = await Assert.ThrowsAsync<WebhookDestinationRefusedException>(() => Default.ResolveAllowedAsync("[::1]", CancellationToken.None));

        Assert.Contains("::1 is a loopback address", ex.Message);
    }

    [Fact]
    public async Task ResolveAllowedAsync_LocalhostWithLoopbackAllowed_KeepsOnlyTheAllowedAddresses()
    {
        var addresses = await Allowing("127.0.0.0/8").ResolveAllowedAsync("localhost", CancellationToken.None);

        Assert.NotEmpty(addresses);
        Assert.All(addresses, a => Assert.True(IPAddress.IsLoopback(a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address")]
    [InlineData("http://[::1]:8080/", "::1 is a loopback address")]
    [InlineData("http://[::ffff:10.0.0.1]/", "IPv4-mapped form of 10.0.0.1")]
    [InlineData("http://2130706433/hook", "127.0.0.1 is a loopback address")]
    [InlineData("http://0x7f.1/hook", "127.0.0.1 is a loopback address")]
    [InlineData("http://localhost:5080/hook", "localhost resolves to an address that is not allowed")]
    public async Task CheckHostAsync_InsideDestination_ExplainsTheRefusal(string url, string expected)
    {
        var why = await Default.CheckHostAsync(new Uri(url), CancellationToken.None);

        Assert.NotNull(why);
        Assert.Contains(expected, why);
        Assert.Contains(WebhookAddressPolicy.AllowedNetworksKey, why);
    }

    [Fact]
    public async Task CheckHostAsync_LocalhostWithLoopbackAllowed_IsAccepted()
    {
        // /etc/hosts may also give ::1 for localhost: a name is accepted only when every address of it is.
        var policy = Allowing("127.0.0.0/8, ::1");

        Assert.Null(await policy.CheckHostAsync(new Uri("http://localhost:5080/hook"), CancellationToken.None));
        Assert.Null(await policy.CheckHostAsync(new Uri("https://8.8.8.8/hook"), CancellationToken.None));
    }

    [Fact]
    public async Task CheckHostAsync_NameThatDoesNotResolve_SaysSo()
    {
        var why = await Default.CheckHostAsync(new Uri("http://no-such-host.invalid/hook"), CancellationToken.None);

        Assert.NotNull(why);
        Assert.Contains("no-such-host.invalid", why);
        Assert.Contains("resolve", why);
    }
}
