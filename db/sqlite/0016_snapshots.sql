-- Machine snapshots (issue 8): internal qcow2 snapshots named libvirt_name on the machine's domain, with the memory
-- state when the machine was running. Each counts against the tenant's snapshot quota; they go with the machine.
CREATE TABLE snapshots (
    id            TEXT NOT NULL PRIMARY KEY,
    machine_id    TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    name          TEXT NOT NULL,
    description   TEXT,
    libvirt_name  TEXT NOT NULL,
    has_memory    INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX snapshots_machine_name ON snapshots (machine_id, name);
