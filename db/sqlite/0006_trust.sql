-- Trust and isolation (issue 5, item 4): who may share a host with whom.
-- shared: the default, any host; exclusive: never on a host with another tenant's machines;
-- dedicated: only on hosts assigned to the tenant (host_tenants), and those hosts take nobody else's machines.
ALTER TABLE tenants ADD COLUMN isolation TEXT NOT NULL DEFAULT 'shared' CHECK (isolation IN ('shared', 'exclusive', 'dedicated'));

-- A host belongs to at most one dedicated tenant: two owners of "only mine" would contradict each other.
CREATE TABLE host_tenants (
    host_id     TEXT NOT NULL PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL
);
CREATE INDEX host_tenants_tenant ON host_tenants (tenant_id);

-- Pairs of tenants kept apart (mutually distrusting): symmetric, stored once with the smaller id first.
CREATE TABLE tenants_apart (
    tenant_a    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    tenant_b    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_a, tenant_b),
    CHECK (tenant_a < tenant_b)
);
CREATE INDEX tenants_apart_b ON tenants_apart (tenant_b);
