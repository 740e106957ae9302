-- Root disks count against the tenant's aggregate disk quota (diskGiB), like data volumes, snapshots and images.
-- disk_gib is the machine's root disk in GiB, rounded up (0 = diskless), so that the usage can always be recomputed
-- from the machines that exist.
ALTER TABLE machines ADD COLUMN disk_gib INTEGER NOT NULL DEFAULT 0 CHECK (disk_gib >= 0);

-- Machines made before this migration: a disk of at least their image's virtual size (what a create without diskGiB
-- gets; a larger diskGiB was not recorded), charged to their tenant's usage at once so the ledger and a recompute agree.
UPDATE machines
SET disk_gib = (SELECT (i.virtual_size_bytes + 1073741823) / 1073741824 FROM images i WHERE i.id = machines.image_id)
WHERE image_id IS NOT NULL AND EXISTS (SELECT 1 FROM images i WHERE i.id = machines.image_id);

UPDATE quota_usage
SET disk_gib = disk_gib + coalesce((SELECT sum(m.disk_gib) FROM machines m
                                    WHERE m.tenant_id = quota_usage.tenant_id AND m.state <> 'provisioning'), 0);
