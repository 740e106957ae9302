using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Consoles;

/// <summary>Issues console tickets and, when one is redeemed, finds the machine's VNC server.</summary>
public sealed class ConsoleService(MachineService machines, IHostStore hosts, HostConnections connections, ConsoleTickets tickets)
{
    /// <summary>A ticket for the caller's own view of a running or paused machine; viewers only look at lists.</summary>
    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(Caller caller, Guid machineId, CancellationToken ct)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException("Viewers may not open consoles: a console is full control of the machine.");
        var machine = await machines.GetAsync(caller, machineId, ct);
        EnsureConsoleState(machine);
        return tickets.Issue(caller.UserId, machine.Id);
    }

    /// <summary>At connect time: the ticket, then the machine and its domain as they are now.</summary>
    public async Task<(TicketRefusal Refusal, VncEndpoint? Endpoint)> RedeemAsync(Caller caller, Guid machineId, string? ticket, CancellationToken ct)
    {
        var refusal = tickets.Redeem(ticket, caller.UserId, machineId);
        if (refusal != TicketRefusal.None)
            return (refusal, null);
        var machine = await machines.GetAsync(caller, machineId, ct);
        EnsureConsoleState(machine);
        var host = await hosts.GetAsync(machine.HostId, ct) ?? throw new NotFoundException($"Machine '{machine.Name}' has no host.");
        var xml = await connections.RunAsync(machine.HostId, connection =>
        {
            using var domain = connection.LookupDomainByUuid(machine.DomainUuid)
                ?? throw new ConflictException($"Machine '{machine.Name}' has no domain on its host.");
            return domain.GetXmlDescription();
        }, ct);
        return (TicketRefusal.None, VncEndpoint.FromDomain(xml, host.Uri, machine.Name));
    }

    /// <summary>At connect time for the text console: the ticket, then where the machine's domain is now.</summary>
    public async Task<(TicketRefusal Refusal, SerialTarget? Target)> RedeemSerialAsync(Caller caller, Guid machineId, string? ticket, CancellationToken ct)
    {
        var refusal = tickets.Redeem(ticket, caller.UserId, machineId);
        if (refusal != TicketRefusal.None)
            return (refusal, null);
        var machine = await machines.GetAsync(caller, machineId, ct);
        EnsureConsoleState(machine);
        var host = await hosts.GetAsync(machine.HostId, ct) ?? throw new NotFoundException($"Machine '{machine.Name}' has no host.");
        return (TicketRefusal.None, new SerialTarget(host.Uri, machine.DomainUuid, machine.Name));
    }

    private static void EnsureConsoleState(Machine machine)
    {
        if (machine.State is not (MachineState.Running or MachineState.Paused))
            throw new ConflictException($"Machine '{machine.Name}' is {machine.State.ToContractName()}: a console needs it running or paused.");
    }
}

/// <summary>A machine's text console: its host and domain, opened on a connection of its own for the session.</summary>
public sealed record SerialTarget(string HostUri, Guid DomainUuid, string MachineName);
