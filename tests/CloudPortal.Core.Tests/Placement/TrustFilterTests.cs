using CloudPortal.Core.Placement;
using static CloudPortal.Core.Tests.Placement.PlacementTestHosts;

namespace CloudPortal.Core.Tests.Placement;

public sealed class TrustFilterTests
{
    private static readonly Guid Other = Guid.Parse("00000000-0000-0000-0000-0000000000bb");
    private static readonly Guid Third = Guid.Parse("00000000-0000-0000-0000-0000000000cc");
    private readonly TrustFilter _filter = new();

    private static PlacementRequest As(string isolation, IEnumerable<Guid>? exclusive = null, IEnumerable<Guid>? apart = null) =>
        Request() with
        {
            Trust = new TenantTrust
            {
                TenantName = "acme",
                Isolation = isolation,
                ExclusiveTenants = (exclusive ?? []).ToHashSet(),
                KeptApart = (apart ?? []).ToHashSet(),
            },
        };

    private static HostCandidate Running(params Guid[] tenants) => Host("h1") with { TenantsPresent = tenants };

    [Fact]
    public void Reject_SharedTenantOnMixedHost_Passes()
    {
        Assert.Null(_filter.Reject(As(TenantIsolation.Shared), Running(Other, Third)));
        Assert.True(_filter.Passes(Request(), Running(Other, Third)));
    }

    [Fact]
    public void Reject_ExclusiveTenantOnHostWithOthers_CountsThemWithoutNaming()
    {
        var reason = _filter.Reject(As(TenantIsolation.Exclusive), Running(Tenant, Other, Third));
        Assert.Equal("tenant acme is exclusive and host h1 runs machines of 2 other tenants", reason);
        Assert.False(_filter.Passes(As(TenantIsolation.Exclusive), Running(Other)));
    }

    [Fact]
    public void Reject_ExclusiveTenantOnItsOwnOrEmptyHost_Passes()
    {
        Assert.Null(_filter.Reject(As(TenantIsolation.Exclusive), Running(Tenant)));
        Assert.Null(_filter.Reject(As(TenantIsolation.Exclusive), Running()));
    }

    [Fact]
    public void Reject_HostHoldingAnExclusiveTenant_RefusesEveryoneElse() =>
        Assert.Equal("host h1 runs machines of an exclusive tenant",
            _filter.Reject(As(TenantIsolation.Shared, exclusive: [Other]), Running(Other)));

    [Fact]
    public void Reject_DedicatedTenantOnUnassignedHost_SaysNotAssigned() =>
        Assert.Equal("tenant acme is dedicated and host h1 is not assigned to it", _filter.Reject(As(TenantIsolation.Dedicated), Running()));

    [Fact]
    public void Reject_DedicatedTenantOnItsHost_Passes() =>
        Assert.Null(_filter.Reject(As(TenantIsolation.Dedicated), Running() with { DedicatedTenantId = Tenant }));

    [Fact]
    public void Reject_HostDedicatedToAnotherTenant_SaysAnotherTenant()
    {
        var host = Running() with { DedicatedTenantId = Other };
        Assert.Equal("host h1 is dedicated to another tenant", _filter.Reject(As(TenantIsolation.Shared), host));
        Assert.False(_filter.Passes(Request(), host));
    }

    [Fact]
    public void Reject_HostWithATenantKeptApart_SaysKeptApart()
    {
        Assert.Equal("tenant acme is kept apart from another tenant with machines on host h1",
            _filter.Reject(As(TenantIsolation.Shared, apart: [Other]), Running(Other)));
        Assert.Null(_filter.Reject(As(TenantIsolation.Shared, apart: [Other]), Running(Third)));
    }

    [Fact]
    public void Place_ExclusiveTenant_ChoosesTheEmptyHostOverTheFullerShared()
    {
        var engine = PlacementEngine.For(PlacementMode.Pack);
        var shared = Host("busy", allocVcpus: 2, allocMemory: 1024) with { TenantsPresent = [Other] };
        var empty = Host("empty");
        Assert.Equal("empty", engine.Place(As(TenantIsolation.Exclusive), [shared, empty])?.Name);
        var explanation = engine.Explain(As(TenantIsolation.Exclusive), [shared, empty]);
        Assert.Equal("trust", explanation.Hosts.Single(h => h.Name == "busy").Filter);
    }
}

public sealed class TrustSettingsTests
{
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), Host = Guid.NewGuid();

    [Fact]
    public void For_PairStoredEitherWay_IsKeptApartBothWays()
    {
        var settings = new TrustSettings(new Dictionary<Guid, (string, string)>(), new Dictionary<Guid, Guid>(), [(A, B)]);
        Assert.Contains(B, settings.For(A).KeptApart);
        Assert.Contains(A, settings.For(B).KeptApart);
        Assert.Empty(settings.For(C).KeptApart);
    }

    [Fact]
    public void DedicatedOwnerOf_AssignedToSharedTenant_ReservesNothing()
    {
        var tenants = new Dictionary<Guid, (string, string)> { [A] = ("a", TenantIsolation.Shared), [B] = ("b", TenantIsolation.Dedicated) };
        Assert.Null(new TrustSettings(tenants, new Dictionary<Guid, Guid> { [Host] = A }, []).DedicatedOwnerOf(Host));
        Assert.Equal(B, new TrustSettings(tenants, new Dictionary<Guid, Guid> { [Host] = B }, []).DedicatedOwnerOf(Host));
    }
}
