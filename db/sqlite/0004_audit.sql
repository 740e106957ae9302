-- The audit log: append-only. Ids order it (keyset paging walks them), "at" is ISO-8601 UTC text.
-- No foreign keys: entries outlive the users, tenants and machines they name (legal data stays).
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    user_id      TEXT,
    username     TEXT,
    tenant_id    TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT,
    target_name  TEXT,
    address      TEXT,
    result       TEXT NOT NULL CHECK (result IN ('succeeded', 'failed', 'denied')),
    detail       TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
-- The sign-in rate limits count recent failures per username and per address from here.
CREATE INDEX audit_log_signin_user ON audit_log (username COLLATE NOCASE, at) WHERE action = 'signin';
CREATE INDEX audit_log_signin_address ON audit_log (address, at) WHERE action = 'signin';

-- Append-only, enforced by the database itself rather than by convention in the code.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
