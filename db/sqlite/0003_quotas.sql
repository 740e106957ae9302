-- Tenant quotas with reservations (issue 4). A NULL limit is unlimited, 0 allows nothing.
-- A tenant without its own tenant_quotas row has the default quota: no hook is needed when tenants are created.
CREATE TABLE quota_defaults (
    id                       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    machines                 INTEGER,
    vcpus                    INTEGER,
    memory_mib               INTEGER,
    disk_gib                 INTEGER,
    volumes                  INTEGER,
    snapshots                INTEGER,
    networks                 INTEGER,
    images                   INTEGER,
    running_vcpus            INTEGER,
    running_memory_mib       INTEGER,
    max_machine_vcpus        INTEGER,
    max_machine_memory_mib   INTEGER,
    max_machine_disk_gib     INTEGER,
    updated_at               TEXT NOT NULL
);
INSERT INTO quota_defaults (id, updated_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE tenant_quotas (
    tenant_id                TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    machines                 INTEGER,
    vcpus                    INTEGER,
    memory_mib               INTEGER,
    disk_gib                 INTEGER,
    volumes                  INTEGER,
    snapshots                INTEGER,
    networks                 INTEGER,
    images                   INTEGER,
    running_vcpus            INTEGER,
    running_memory_mib       INTEGER,
    max_machine_vcpus        INTEGER,
    max_machine_memory_mib   INTEGER,
    max_machine_disk_gib     INTEGER,
    updated_at               TEXT NOT NULL
);

-- Committed usage; always derivable from the machines that exist (recompute checks it).
CREATE TABLE quota_usage (
    tenant_id           TEXT NOT NULL PRIMARY KEY,
    machines            INTEGER NOT NULL DEFAULT 0,
    vcpus               INTEGER NOT NULL DEFAULT 0,
    memory_mib          INTEGER NOT NULL DEFAULT 0,
    disk_gib            INTEGER NOT NULL DEFAULT 0,
    volumes             INTEGER NOT NULL DEFAULT 0,
    snapshots           INTEGER NOT NULL DEFAULT 0,
    networks            INTEGER NOT NULL DEFAULT 0,
    images              INTEGER NOT NULL DEFAULT 0,
    running_vcpus       INTEGER NOT NULL DEFAULT 0,
    running_memory_mib  INTEGER NOT NULL DEFAULT 0,
    updated_at          TEXT NOT NULL
);

-- What in-flight requests hold; one row per operation (or start action), gone when it commits or fails.
CREATE TABLE quota_reservations (
    id                  TEXT NOT NULL PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    machine_id          TEXT,
    kind                TEXT NOT NULL,
    machines            INTEGER NOT NULL DEFAULT 0,
    vcpus               INTEGER NOT NULL DEFAULT 0,
    memory_mib          INTEGER NOT NULL DEFAULT 0,
    disk_gib            INTEGER NOT NULL DEFAULT 0,
    volumes             INTEGER NOT NULL DEFAULT 0,
    snapshots           INTEGER NOT NULL DEFAULT 0,
    networks            INTEGER NOT NULL DEFAULT 0,
    images              INTEGER NOT NULL DEFAULT 0,
    running_vcpus       INTEGER NOT NULL DEFAULT 0,
    running_memory_mib  INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL
);
CREATE INDEX quota_reservations_tenant ON quota_reservations (tenant_id);
CREATE INDEX quota_reservations_machine ON quota_reservations (machine_id);

-- Who changed which quota when; tenant_id NULL is the default quota.
CREATE TABLE quota_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT,
    user_id     TEXT,
    username    TEXT,
    old_limits  TEXT,
    new_limits  TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX quota_history_tenant ON quota_history (tenant_id, id);

-- Machines that exist before this migration are charged now, so that the ledger starts exact. A machine still
-- provisioning is charged when it leaves that state (the rule the stores apply), so it is left out here.
INSERT INTO quota_usage (tenant_id, machines, vcpus, memory_mib, running_vcpus, running_memory_mib, updated_at)
SELECT tenant_id,
       count(*),
       sum(vcpus),
       sum(memory_mib),
       sum(CASE WHEN state IN ('running', 'paused', 'migrating') THEN vcpus ELSE 0 END),
       sum(CASE WHEN state IN ('running', 'paused', 'migrating') THEN memory_mib ELSE 0 END),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM machines
WHERE state <> 'provisioning'
GROUP BY tenant_id;
