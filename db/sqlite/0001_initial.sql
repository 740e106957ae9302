-- The walking skeleton's schema. Ids are GUID text, timestamps ISO-8601 UTC text.
CREATE TABLE installation (
    id          TEXT NOT NULL PRIMARY KEY,
    created_at  TEXT NOT NULL
);

CREATE TABLE tenants (
    id          TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

INSERT INTO tenants (id, name, created_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE users (
    id             TEXT NOT NULL PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'tenant-admin', 'member', 'viewer')),
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    created_at     TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id          TEXT NOT NULL PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE hosts (
    id          TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    uri         TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE machines (
    id           TEXT NOT NULL PRIMARY KEY,
    name         TEXT NOT NULL,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    owner_id     TEXT NOT NULL REFERENCES users (id),
    host_id      TEXT NOT NULL REFERENCES hosts (id),
    state        TEXT NOT NULL,
    vcpus        INTEGER NOT NULL CHECK (vcpus > 0),
    memory_mib   INTEGER NOT NULL CHECK (memory_mib > 0),
    domain_uuid  TEXT NOT NULL UNIQUE,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX machines_host ON machines (host_id);
CREATE INDEX machines_tenant_created ON machines (tenant_id, created_at, id);

-- No foreign key to machines: the journal outlives the machine it created or deleted.
CREATE TABLE operations (
    id          TEXT NOT NULL PRIMARY KEY,
    kind        TEXT NOT NULL,
    tenant_id   TEXT NOT NULL,
    machine_id  TEXT,
    user_id     TEXT,
    state       TEXT NOT NULL,
    stage       TEXT,
    progress    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX operations_unfinished ON operations (state) WHERE state IN ('pending', 'running');
CREATE INDEX operations_machine ON operations (machine_id, created_at);

CREATE TABLE operation_steps (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    operation_id  TEXT NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    detail        TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX operation_steps_operation ON operation_steps (operation_id, id);
