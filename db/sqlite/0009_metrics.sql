-- Monitoring rollups (issue 6): the average and maximum of every machine and host metric per minute (kept 7 days)
-- and per hour (kept a year). The last hour at full resolution lives in memory only.
CREATE TABLE metric_rollups (
    entity_id   TEXT NOT NULL,
    metric      TEXT NOT NULL,
    resolution  INTEGER NOT NULL CHECK (resolution IN (60, 3600)),
    bucket      INTEGER NOT NULL,            -- unix seconds of the bucket's start
    entity_kind TEXT NOT NULL CHECK (entity_kind IN ('machine', 'host')),
    avg         REAL NOT NULL,
    max         REAL NOT NULL,
    samples     INTEGER NOT NULL,
    PRIMARY KEY (entity_id, resolution, bucket, metric)
) WITHOUT ROWID;

-- Pruning deletes by age across all entities.
CREATE INDEX metric_rollups_age ON metric_rollups (resolution, bucket);
