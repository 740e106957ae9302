/// <summary>The Web tests' part of the shared <c>Virsh</c> helper (tests/Shared/Virsh.cs).</summary>
public static partial class Virsh
{
    public const string Uri = CloudPortal.Web.Tests.Infrastructure.PortalFactory.SystemUri;

    /// <summary>Prefix of every machine (and so every libvirt domain) the real-host tests create.</summary>
    public const string TestPrefix = "cpw-";
}
