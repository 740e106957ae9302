// The part of tests/Shared/Virsh.cs this project supplies.
public static partial class Virsh
{
    public const string Uri = "qemu:///system";

    /// <summary>Prefix of every libvirt object (and scratch directory) the guest boot tests create.</summary>
    public const string TestPrefix = "cpg-";
}
