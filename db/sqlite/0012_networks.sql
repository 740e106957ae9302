-- Tenant networks and security groups (issue 8, item 5).
-- Each network owns one /24 of the portal's pool (subnet_index), never shared: the unique index enforces it.
CREATE TABLE tenant_networks (
    id            TEXT NOT NULL PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('nat', 'isolated')),
    subnet_index  INTEGER NOT NULL UNIQUE CHECK (subnet_index >= 0),
    cidr          TEXT NOT NULL UNIQUE,
    is_default    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at    TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE security_groups (
    id          TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

-- Inbound allow rules; a source is a CIDR or the machines of a group (of the same tenant).
CREATE TABLE security_group_rules (
    id               TEXT NOT NULL PRIMARY KEY,
    group_id         TEXT NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    protocol         TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp', 'icmp', 'all')),
    port_from        INTEGER CHECK (port_from BETWEEN 1 AND 65535),
    port_to          INTEGER CHECK (port_to BETWEEN 1 AND 65535 AND port_to >= port_from),
    source_cidr      TEXT,
    source_group_id  TEXT REFERENCES security_groups (id),
    created_at       TEXT NOT NULL,
    CHECK ((source_cidr IS NULL) <> (source_group_id IS NULL))
);
CREATE INDEX security_group_rules_group ON security_group_rules (group_id);

-- A machine's NIC: fixed address (a DHCP reservation) on one of its tenant's networks, and its security group.
CREATE TABLE machine_nics (
    machine_id         TEXT NOT NULL PRIMARY KEY REFERENCES machines (id) ON DELETE CASCADE,
    network_id         TEXT NOT NULL REFERENCES tenant_networks (id),
    security_group_id  TEXT NOT NULL REFERENCES security_groups (id),
    mac                TEXT NOT NULL,
    ip_address         TEXT NOT NULL,
    UNIQUE (network_id, ip_address)
);
CREATE INDEX machine_nics_group ON machine_nics (security_group_id);

-- Which hosts a network or a filter was defined on, so deleting it reaches every copy.
CREATE TABLE host_network_objects (
    object_id  TEXT NOT NULL,
    host_id    TEXT NOT NULL,
    PRIMARY KEY (object_id, host_id)
);
