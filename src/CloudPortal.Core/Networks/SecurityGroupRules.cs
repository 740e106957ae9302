using System.Net;
using System.Net.Sockets;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Networks;

/// <summary>What a rule request may say; every problem is reported at once with the field it belongs to.</summary>
public sealed record SecurityRuleRequest(string? Protocol, int? PortFrom, int? PortTo, string? SourceCidr, Guid? SourceGroupId);

public static class SecurityGroupRules
{
    public const int MinPort = 1;
    public const int MaxPort = 65535;

    /// <summary>Checks the request; the rule carries a normalized CIDR ("10.1.2.0/24") and no ports for icmp/all.</summary>
    public static SecurityGroupRule Validate(Guid groupId, SecurityRuleRequest request)
    {
        var errors = new ValidationErrors();
        var protocol = request.Protocol?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(protocol))
            errors.Add("protocol", $"protocol is required: one of {string.Join(", ", SecurityProtocols.Names)}.");
        else if (!SecurityProtocols.Names.Contains(protocol))
            errors.Add("protocol", $"protocol must be one of {string.Join(", ", SecurityProtocols.Names)}.");

        int? from = request.PortFrom, to = request.PortTo;
        if (protocol is not null && SecurityProtocols.HasPorts(protocol))
        {
            if (from is null)
                errors.Add("portFrom", $"portFrom is required for {protocol} ({MinPort}-{MaxPort}).");
            else if (from is < MinPort or > MaxPort)
                errors.Add("portFrom", $"portFrom must be between {MinPort} and {MaxPort}.");
            to ??= from;
            if (to is < MinPort or > MaxPort)
                errors.Add("portTo", $"portTo must be between {MinPort} and {MaxPort}.");
            else if (from is >= MinPort and <= MaxPort && to < from)
                errors.Add("portTo", $"portTo ({to}) must not be below portFrom ({from}).");
        }
        else if (protocol is not null && (from is not null || to is not null))
        {
            errors.Add("portFrom", $"Ports apply to tcp and udp only, not to {protocol}.");
        }

        string? cidr = null;
        bool hasCidr = !string.IsNullOrWhiteSpace(request.SourceCidr);
        if (hasCidr == (request.SourceGroupId is not null))
            errors.Add("source", "Give exactly one source: sourceCidr (such as 0.0.0.0/0 or 10.1.2.0/24) or sourceGroupId.");
        else if (hasCidr)
            cidr = NormalizeCidr(request.SourceCidr!.Trim(), errors);
        errors.ThrowIfAny();

        bool ports = SecurityProtocols.HasPorts(protocol!);
        return new SecurityGroupRule
        {
            Id = Guid.NewGuid(),
            GroupId = groupId,
            Protocol = protocol!,
            PortFrom = ports ? from : null,
            PortTo = ports ? to : null,
            SourceCidr = cidr,
            SourceGroupId = request.SourceGroupId,
        };
    }

    private static string? NormalizeCidr(string text, ValidationErrors errors)
    {
        // A bare address is one host.
        if (!text.Contains('/') && IPAddress.TryParse(text, out var single) && single.AddressFamily == AddressFamily.InterNetwork)
            return $"{single}/32";
        if (!IPNetwork.TryParse(text, out var network))
        {
            errors.Add("sourceCidr", $"'{text}' is not a CIDR such as 10.1.2.0/24 (the address must be the network's first, with no host bits set).");
            return null;
        }
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            errors.Add("sourceCidr", "Only IPv4 sources are supported.");
            return null;
        }
        // IPNetwork quietly masks host bits; "10.1.2.3/24" is more likely a typo than a wish for 10.1.2.0/24.
        if (!IPAddress.Parse(text[..text.IndexOf('/')]).Equals(network.BaseAddress))
        {
            errors.Add("sourceCidr", $"'{text}' has host bits set: did you mean {network}?");
            return null;
        }
        return network.ToString();
    }
}
