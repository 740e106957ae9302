/// <summary>The browser tests' part of the shared <c>Virsh</c> helper (tests/Shared/Virsh.cs).</summary>
public static partial class Virsh
{
    public const string Uri = "qemu:///system";

    /// <summary>Prefix of every machine (and so every domain) these tests create.</summary>
    public const string TestPrefix = "cpe-";

    /// <summary>The domain of portal machine <paramref name="machineName"/>: the portal names it "&lt;name&gt;-&lt;8 hex of id&gt;".</summary>
    public static async Task<string?> FindDomainOfAsync(string machineName) =>
        (await ListAllAsync()).SingleOrDefault(d => d.StartsWith(machineName + "-", StringComparison.Ordinal));
}
