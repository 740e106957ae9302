-- Sizes (flavors, issue 8): named machine sizes defined by administrators, public (tenant_id NULL) or for one tenant.
-- disk_gib 0 is a diskless size. Names are unique among the public sizes and within each tenant's own.
CREATE TABLE sizes (
    id          TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    vcpus       INTEGER NOT NULL CHECK (vcpus > 0),
    memory_mib  INTEGER NOT NULL CHECK (memory_mib > 0),
    disk_gib    INTEGER NOT NULL CHECK (disk_gib >= 0),
    tenant_id   TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX sizes_scope_name ON sizes (coalesce(tenant_id, ''), name);
CREATE INDEX sizes_name ON sizes (name, id);
