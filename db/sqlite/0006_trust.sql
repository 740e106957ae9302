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

-- Placement groups: a tenant's machines placed together (affinity) or apart (anti-affinity), strictly (a filter) or
-- as a preference (a weigher). A group with members cannot be deleted (RESTRICT): its rule still describes them.
CREATE TABLE placement_groups (
    id          TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    policy      TEXT NOT NULL CHECK (policy IN ('affinity', 'anti-affinity')),
    strict      INTEGER NOT NULL CHECK (strict IN (0, 1)),
    created_at  TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE machine_placement_groups (
    machine_id  TEXT NOT NULL PRIMARY KEY REFERENCES machines (id) ON DELETE CASCADE,
    group_id    TEXT NOT NULL REFERENCES placement_groups (id) ON DELETE RESTRICT
);
CREATE INDEX machine_placement_groups_group ON machine_placement_groups (group_id);
