-- Data volumes (issue 7): qcow2 volumes of a tenant in a host's portal pool (named vol-<id>.qcow2 there), attached
-- to at most one machine on the same host at a virtio target (vdb, vdc, ...). size_gib counts against the tenant's
-- disk quota and each volume against its volume count. A volume in 'creating' or 'deleting' whose operation died
-- with the portal is finished by the sweep at start.
CREATE TABLE volumes (
    id          TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    host_id     TEXT NOT NULL REFERENCES hosts (id),
    size_gib    INTEGER NOT NULL CHECK (size_gib > 0),
    machine_id  TEXT REFERENCES machines (id) ON DELETE SET NULL,
    target      TEXT,
    state       TEXT NOT NULL CHECK (state IN ('creating', 'available', 'attached', 'detaching', 'deleting')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX volumes_tenant_name ON volumes (tenant_id, name);
CREATE INDEX volumes_name ON volumes (name, id);
CREATE INDEX volumes_machine ON volumes (machine_id) WHERE machine_id IS NOT NULL;
