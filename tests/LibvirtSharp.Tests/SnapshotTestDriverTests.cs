using LibvirtSharp;

namespace LibvirtSharp.Tests;

/// <summary>Domain snapshots through the binding, on libvirt's in-process test driver.</summary>
public sealed class SnapshotTestDriverTests : IDisposable
{
    private readonly Connection _conn = Connection.Open("test:///default");

    public void Dispose() => _conn.Dispose();

    private Domain DefineDomain() => _conn.DefineDomainXml($"""
        <domain type='test'><name>lvs-test-snap-{Guid.NewGuid().ToString("N")[..8]}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
        <os><type arch='x86_64'>hvm</type></os></domain>
        """);

    [Fact]
    public void CreateSnapshot_ThenLookupListRevertDelete_RoundTrips()
    {
        using var domain = DefineDomain();
        try
        {
            using (var created = domain.CreateSnapshot("<domainsnapshot><name>before</name><description>first one</description></domainsnapshot>"))
            {
                Assert.Equal("before", created.Name);
                Assert.Contains("<description>first one</description>", created.GetXmlDescription());
            }
            domain.CreateSnapshot("<domainsnapshot><name>after</name></domainsnapshot>").Dispose();

            var listed = domain.ListSnapshots();
            try
            {
                Assert.Equal(["after", "before"], listed.Select(s => s.Name).Order().ToArray());
            }
            finally
            {
                foreach (var snapshot in listed)
                    snapshot.Dispose();
            }

            using var before = domain.LookupSnapshot("before");
            Assert.NotNull(before);
            before.Revert();
            before.Delete();
            Assert.Null(domain.LookupSnapshot("before"));
            Assert.Single(domain.ListSnapshots()).Dispose();
        }
        finally
        {
            domain.Undefine(DomainUndefineFlags.SnapshotsMetadata);
        }
    }

    [Fact]
    public void CreateSnapshot_DuplicateName_ThrowsWithLibvirtError()
    {
        using var domain = DefineDomain();
        try
        {
            domain.CreateSnapshot("<domainsnapshot><name>twice</name></domainsnapshot>").Dispose();
            var ex = Assert.Throws<LibvirtException>(() => domain.CreateSnapshot("<domainsnapshot><name>twice</name></domainsnapshot>"));
            Assert.Contains("twice", ex.Message);
        }
        finally
        {
            domain.Undefine(DomainUndefineFlags.SnapshotsMetadata);
        }
    }
}
