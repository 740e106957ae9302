-- Multi-tenancy: a user may belong to several tenants with a role in each; cloud administrators are flagged on
-- the user. SQLite cannot alter constraints in place, so users is rebuilt (foreign keys are off in migrations).
ALTER TABLE tenants ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE users_new (
    id              TEXT NOT NULL PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash   TEXT NOT NULL,
    is_admin        INTEGER NOT NULL DEFAULT 0,
    disabled        INTEGER NOT NULL DEFAULT 0,
    home_tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    created_at      TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('tenant-admin', 'member', 'viewer')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
);
CREATE INDEX memberships_tenant ON memberships (tenant_id);

INSERT INTO users_new (id, username, password_hash, is_admin, disabled, home_tenant_id, created_at)
SELECT id, username, password_hash, role = 'admin', 0, tenant_id, created_at FROM users;

INSERT INTO memberships (user_id, tenant_id, role, created_at)
SELECT id, tenant_id, CASE role WHEN 'admin' THEN 'tenant-admin' ELSE role END, created_at FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- Session tokens and personal API keys share one table: both are bearer secrets stored as SHA-256.
ALTER TABLE api_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'session';
ALTER TABLE api_tokens ADD COLUMN name TEXT;
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
CREATE INDEX api_tokens_user ON api_tokens (user_id, kind);
