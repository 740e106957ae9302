-- Machine templates (issue 8): a tenant's saved create request (image, size, network, SSH keys, user-data, placement
-- hints), launched as one or many machines. ssh_keys and labels are JSON arrays; SSH keys are the key lines themselves,
-- so any member of the tenant can launch the template whatever is in their own profile.
CREATE TABLE machine_templates (
    id                  TEXT NOT NULL PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT,
    image_id            TEXT,
    vcpus               INTEGER NOT NULL,
    memory_mib          INTEGER NOT NULL,
    disk_gib            INTEGER,
    network_id          TEXT,
    ssh_keys            TEXT NOT NULL DEFAULT '[]',
    user_data           TEXT,
    labels              TEXT NOT NULL DEFAULT '[]',
    placement_group_id  TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX machine_templates_tenant_name ON machine_templates (tenant_id, name);
