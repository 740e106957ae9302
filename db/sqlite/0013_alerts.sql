-- Alerts (issue 6): threshold rules on the monitoring series, the alerts they raise, and one webhook per tenant.
-- scope 'machine' watches one machine (target_id), 'tenant' every machine of the tenant, 'host' one host (target_id)
-- or every host (target_id NULL; administrators only, tenant_id NULL). metric 'unreachable' is the host failing to answer.
CREATE TABLE alert_rules (
    id               TEXT NOT NULL PRIMARY KEY,
    tenant_id        TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    scope            TEXT NOT NULL CHECK (scope IN ('machine', 'tenant', 'host')),
    target_id        TEXT,
    metric           TEXT NOT NULL,
    comparison       TEXT NOT NULL CHECK (comparison IN ('>', '<')),
    threshold        REAL NOT NULL,
    duration_seconds INTEGER NOT NULL CHECK (duration_seconds >= 0),
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX alert_rules_scope_name ON alert_rules (coalesce(tenant_id, ''), name);
CREATE INDEX alert_rules_name ON alert_rules (name, id);

-- One row per firing: it is opened when the condition has held for the rule's duration and closed when it stops.
CREATE TABLE alerts (
    id            TEXT NOT NULL PRIMARY KEY,
    rule_id       TEXT NOT NULL,
    rule_name     TEXT NOT NULL,
    tenant_id     TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('machine', 'host')),
    subject_id    TEXT NOT NULL,
    subject_name  TEXT NOT NULL,
    metric        TEXT NOT NULL,
    comparison    TEXT NOT NULL,
    threshold     REAL NOT NULL,
    value         REAL,
    state         TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
    fired_at      TEXT NOT NULL,
    resolved_at   TEXT
);
CREATE INDEX alerts_fired ON alerts (fired_at DESC, id);
CREATE INDEX alerts_firing ON alerts (state) WHERE state = 'firing';

CREATE TABLE alert_webhooks (
    tenant_id        TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    url              TEXT NOT NULL,
    secret           TEXT,
    last_status      TEXT,
    last_attempt_at  TEXT
);
