using LibvirtSharp;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Hosts;

/// <summary>
/// Decides between KVM and TCG for new domains on a host. A /dev/kvm that opens, or capabilities that list kvm,
/// prove nothing on these machines (KVM guests start and then sit paused), so the only proof is a tiny KVM
/// guest that really executes instructions.
/// </summary>
public sealed class VirtualizationProbe(ILogger<VirtualizationProbe> log)
{
    public const string Kvm = "kvm";
    public const string Tcg = "qemu";
    public const string Test = "test";
    public const string ProbeDomainPrefix = "cloudportal-kvm-probe-";

    /// <summary>Returns the libvirt domain type to use for new machines: "kvm", "qemu" (TCG) or "test".</summary>
    public string Probe(Connection connection, string uri)
    {
        if (uri.StartsWith("test:", StringComparison.Ordinal))
            return Test;
        if (IsLocal(uri) && !KvmDeviceOpens(out var why))
        {
            log.LogInformation("KVM unusable on {Uri}: {Reason}; using TCG", uri, why);
            return Tcg;
        }
        if (IsLocal(uri) && !HardwareKvmModuleLoaded(out var modules))
        {
            log.LogInformation("KVM on {Uri} is not hardware KVM (modules: {Modules}); using TCG", uri, modules);
            return Tcg;
        }
        try
        {
            connection.GetDomainCapabilities(null, "x86_64", null, Kvm);
        }
        catch (LibvirtException ex)
        {
            log.LogInformation("KVM not offered by {Uri}: {Message}; using TCG", uri, ex.LibvirtMessage);
            return Tcg;
        }
        RemoveLeftoverProbes(connection);
        return BootsUnderKvm(connection, uri) ? Kvm : Tcg;
    }

    /// <summary>
    /// A portal killed during a probe leaves its probe domain defined. Only inactive ones are removed: an active
    /// one may belong to another portal probing the same host right now.
    /// </summary>
    private void RemoveLeftoverProbes(Connection connection)
    {
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                if (!domain.Name.StartsWith(ProbeDomainPrefix, StringComparison.Ordinal))
                    continue;
                try
                {
                    if (!domain.IsActive)
                        domain.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram);
                }
                catch (LibvirtException ex)
                {
                    log.LogWarning("Could not remove leftover KVM probe domain {Name}: {Message}", domain.Name, ex.LibvirtMessage);
                }
            }
        }
    }

    /// <summary>This machine's kernel: qemu:///system, or a lab host on loopback (same kernel, other namespaces).</summary>
    private static bool IsLocal(string uri) =>
        uri.StartsWith("qemu:///", StringComparison.Ordinal)
        || (Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && System.Net.IPAddress.TryParse(parsed.Host, out var ip) && System.Net.IPAddress.IsLoopback(ip));

    /// <summary>
    /// /dev/kvm can be backed by a software implementation for nested clouds (kvm_pvm, seen on these machines) that
    /// runs a firmware-only guest, so the boot probe passes, yet stops real guests at their boot loader ("KVM internal
    /// error", domain paused). Only the vendor modules run ordinary guests.
    /// </summary>
    private static bool HardwareKvmModuleLoaded(out string modules)
    {
        var loaded = Directory.Exists("/sys/module")
            ? Directory.GetDirectories("/sys/module", "kvm*").Select(Path.GetFileName).ToList()
            : [];
        modules = loaded.Count == 0 ? "none" : string.Join(", ", loaded);
        return loaded.Contains("kvm_intel") || loaded.Contains("kvm_amd");
    }

    private static bool KvmDeviceOpens(out string reason)
    {
        try
        {
            using var kvm = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            reason = "";
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = ex.Message;
            return false;
        }
    }

    /// <summary>Boots a diskless KVM guest for two seconds and checks that it stays running and burns CPU time.</summary>
    private bool BootsUnderKvm(Connection connection, string uri)
    {
        var name = ProbeDomainPrefix + Guid.NewGuid().ToString("N")[..8];
        var xml = $"""
            <domain type='kvm'>
              <name>{name}</name>
              <memory unit='MiB'>32</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
            </domain>
            """;
        Domain? domain = null;
        try
        {
            domain = connection.DefineDomainXml(xml);
            domain.Create();
            var first = domain.GetInfo().CpuTimeNanoseconds;
            Thread.Sleep(TimeSpan.FromSeconds(2));
            var info = domain.GetInfo();
            var runs = info.State == DomainState.Running && info.CpuTimeNanoseconds > first;
            log.LogInformation("KVM probe on {Uri}: state {State}, cpu time {Before} -> {After} ns: {Verdict}",
                uri, info.State, first, info.CpuTimeNanoseconds, runs ? "KVM" : "TCG");
            return runs;
        }
        catch (LibvirtException ex)
        {
            log.LogInformation("KVM probe guest failed on {Uri}: {Message}; using TCG", uri, ex.LibvirtMessage);
            return false;
        }
        finally
        {
            if (domain is not null)
            {
                try
                {
                    if (domain.IsActive)
                        domain.Destroy();
                    domain.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram);
                }
                catch (LibvirtException ex)
                {
                    log.LogWarning("Could not remove KVM probe domain {Name}: {Message}", name, ex.LibvirtMessage);
                }
                domain.Dispose();
            }
        }
    }
}
