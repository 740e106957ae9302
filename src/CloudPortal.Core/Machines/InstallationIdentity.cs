namespace CloudPortal.Core.Machines;

/// <summary>
/// This portal's identity, written into every domain's metadata, so that a portal never adopts the domains
/// of another portal (or of a test run) that share a libvirt host with it. It lives in the database, so it is
/// set once at start-up, after the services that carry it have been built.
/// </summary>
public sealed class InstallationIdentity
{
    private Guid _id;

    public InstallationIdentity()
    {
    }

    public InstallationIdentity(Guid id) => _id = id;

    public Guid Id => _id != Guid.Empty ? _id : throw new InvalidOperationException("The installation id is read before start-up set it.");

    public void Initialize(Guid id)
    {
        if (_id != Guid.Empty && _id != id)
            throw new InvalidOperationException("The installation id is already set.");
        _id = id;
    }
}
