using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CloudPortal.Core.Consoles;

/// <summary>Why a ticket was not accepted; each becomes a close reason the user can act on.</summary>
public enum TicketRefusal { None, Unknown, Expired, AlreadyUsed, Foreign }

/// <summary>
/// One-time console tickets: a random token bound to a user and a machine, valid for seconds and redeemable once,
/// so a copied console URL is useless. In memory on purpose: a ticket lives shorter than a portal restart matters.
/// </summary>
public sealed class ConsoleTickets(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private sealed record Ticket(Guid UserId, Guid MachineId, DateTimeOffset ExpiresAt, bool Used);

    private readonly ConcurrentDictionary<string, Ticket> _tickets = new(StringComparer.Ordinal);

    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid userId, Guid machineId)
    {
        Prune();
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var expiresAt = clock.GetUtcNow() + Lifetime;
        _tickets[token] = new Ticket(userId, machineId, expiresAt, Used: false);
        return (token, expiresAt);
    }

    /// <summary>
    /// Takes the ticket for this user and machine. Used tickets are remembered until they expire, so a second use
    /// is told apart from a made-up token; a foreign attempt does not use the ticket up.
    /// </summary>
    public TicketRefusal Redeem(string? token, Guid userId, Guid machineId)
    {
        if (string.IsNullOrEmpty(token) || !_tickets.TryGetValue(token, out var ticket))
            return TicketRefusal.Unknown;
        if (ticket.UserId != userId || ticket.MachineId != machineId)
            return TicketRefusal.Foreign;
        if (clock.GetUtcNow() >= ticket.ExpiresAt)
            return TicketRefusal.Expired;
        if (ticket.Used)
            return TicketRefusal.AlreadyUsed;
        // Compare-and-swap: of two connections racing with one ticket, exactly one gets it.
        return _tickets.TryUpdate(token, ticket with { Used = true }, ticket) ? TicketRefusal.None : TicketRefusal.AlreadyUsed;
    }

    public static string Describe(TicketRefusal refusal) => refusal switch
    {
        TicketRefusal.Unknown => "unknown ticket: ask for a new console",
        TicketRefusal.Expired => "ticket expired: ask for a new console",
        TicketRefusal.AlreadyUsed => "ticket already used: ask for a new console",
        TicketRefusal.Foreign => "ticket not issued to you for this machine",
        _ => "",
    };

    private void Prune()
    {
        var now = clock.GetUtcNow();
        foreach (var (token, ticket) in _tickets)
            if (now >= ticket.ExpiresAt + Lifetime)
                _tickets.TryRemove(token, out _);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
