using CloudPortal.Core.Common;
using CloudPortal.Core.Consoles;

namespace CloudPortal.Core.Tests.Consoles;

public sealed class ConsoleTicketsTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch.AddDays(20_000);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualClock _clock = new();
    private readonly Guid _user = Guid.NewGuid();
    private readonly Guid _machine = Guid.NewGuid();

    [Fact]
    public void Redeem_FreshTicket_AcceptedOnceThenAlreadyUsed()
    {
        var tickets = new ConsoleTickets(_clock);
        var (token, expiresAt) = tickets.Issue(_user, _machine);

        Assert.Equal(_clock.Now + ConsoleTickets.Lifetime, expiresAt);
        Assert.True(token.Length >= 43, "32 random bytes in base64url");
        Assert.DoesNotContain('+', token);
        Assert.Equal(TicketRefusal.None, tickets.Redeem(token, _user, _machine));
        Assert.Equal(TicketRefusal.AlreadyUsed, tickets.Redeem(token, _user, _machine));
    }

    [Fact]
    public void Redeem_AfterLifetime_Expired()
    {
        var tickets = new ConsoleTickets(_clock);
        var (token, _) = tickets.Issue(_user, _machine);
        _clock.Now += ConsoleTickets.Lifetime;
        Assert.Equal(TicketRefusal.Expired, tickets.Redeem(token, _user, _machine));
    }

    [Fact]
    public void Redeem_OtherUserOrMachine_ForeignAndTheTicketStaysUsable()
    {
        var tickets = new ConsoleTickets(_clock);
        var (token, _) = tickets.Issue(_user, _machine);

        Assert.Equal(TicketRefusal.Foreign, tickets.Redeem(token, Guid.NewGuid(), _machine));
        Assert.Equal(TicketRefusal.Foreign, tickets.Redeem(token, _user, Guid.NewGuid()));
        Assert.Equal(TicketRefusal.None, tickets.Redeem(token, _user, _machine));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("made-up")]
    public void Redeem_UnknownToken_Unknown(string? token) =>
        Assert.Equal(TicketRefusal.Unknown, new ConsoleTickets(_clock).Redeem(token, _user, _machine));

    [Fact]
    public async Task Redeem_ManyConnectionsRaceOneTicket_ExactlyOneWins()
    {
        var tickets = new ConsoleTickets(_clock);
        var (token, _) = tickets.Issue(_user, _machine);
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => tickets.Redeem(token, _user, _machine))));
        Assert.Single(results, r => r == TicketRefusal.None);
        Assert.All(results.Where(r => r != TicketRefusal.None), r => Assert.Equal(TicketRefusal.AlreadyUsed, r));
    }
}

public sealed class VncEndpointTests
{
    private static string Xml(string graphics) => $"<domain><devices>{graphics}</devices></domain>";

    [Fact]
    public void FromDomain_LoopbackPortOnLocalHost_Endpoint()
    {
        var endpoint = VncEndpoint.FromDomain(Xml("<graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>"),
            "qemu:///system", "web");
        Assert.Equal(5901, endpoint.Port);
        Assert.Equal("127.0.0.1", endpoint.Address.ToString());
    }

    [Fact]
    public void FromDomain_LabHostOnLoopbackTcp_Accepted() =>
        Assert.Equal(5902, VncEndpoint.FromDomain(Xml("<graphics type='vnc' port='5902' listen='127.0.0.1'/>"), "qemu+tcp://127.0.0.1:16510/system", "web").Port);

    [Fact]
    public void FromDomain_ListensOnAllAddresses_Refused() =>
        Assert.Throws<ConflictException>(() => VncEndpoint.FromDomain(Xml("<graphics type='vnc' port='5901' listen='0.0.0.0'/>"), "qemu:///system", "web"));

    [Fact]
    public void FromDomain_NotStartedYet_RefusedNamingWhy()
    {
        var ex = Assert.Throws<ConflictException>(() => VncEndpoint.FromDomain(Xml("<graphics type='vnc' port='-1' autoport='yes'/>"), "qemu:///system", "web"));
        Assert.Contains("no VNC port", ex.Message);
    }

    [Fact]
    public void FromDomain_RemoteHost_HostUnavailable() =>
        Assert.Throws<HostUnavailableException>(() => VncEndpoint.FromDomain(Xml("<graphics type='vnc' port='5901' listen='127.0.0.1'/>"), "qemu+tcp://10.0.0.5/system", "web"));

    [Fact]
    public void FromDomain_NoGraphics_Refused() =>
        Assert.Throws<ConflictException>(() => VncEndpoint.FromDomain(Xml(""), "qemu:///system", "web"));
}
