-- Storage (issue 7): pools the portal defined. libvirt stays the truth about which pools exist and their figures;
-- a row here only says "the portal made this one", so a pool that vanished from its host shows as missing.
CREATE TABLE storage_pools (
    id             TEXT NOT NULL PRIMARY KEY,
    host_id        TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    type           TEXT NOT NULL,
    target_path    TEXT,
    source_device  TEXT,
    source_host    TEXT,
    source_path    TEXT,
    source_name    TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (host_id, name)
);
