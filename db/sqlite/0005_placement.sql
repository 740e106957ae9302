-- Placement (issue 5): hosts as capacity, and the recorded decision that placed each machine.
-- Defaults: vCPUs are time-shared (4 per CPU); memory is not overcommitted; small lab hosts keep 256 MiB for themselves.
ALTER TABLE hosts ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0 CHECK (maintenance IN (0, 1));
ALTER TABLE hosts ADD COLUMN cpu_overcommit REAL NOT NULL DEFAULT 4.0 CHECK (cpu_overcommit > 0);
ALTER TABLE hosts ADD COLUMN memory_overcommit REAL NOT NULL DEFAULT 1.0 CHECK (memory_overcommit > 0);
ALTER TABLE hosts ADD COLUMN reserved_memory_mib INTEGER NOT NULL DEFAULT 256 CHECK (reserved_memory_mib >= 0);
-- A JSON array of strings such as ["ssd","zone=a"].
ALTER TABLE hosts ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';

-- The explain result at the moment a machine was placed: the answer to "why is my machine on this host".
CREATE TABLE machine_placements (
    machine_id    TEXT NOT NULL PRIMARY KEY REFERENCES machines (id) ON DELETE CASCADE,
    decided_at    TEXT NOT NULL,
    explain_json  TEXT NOT NULL
);
