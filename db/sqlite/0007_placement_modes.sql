-- Placement modes per tenant (issue 5): NULL follows the cloud's mode (CloudPortal:Placement:Mode); 'pack' or
-- 'spread' overrides it for the tenant's new machines.
ALTER TABLE tenants ADD COLUMN placement_mode TEXT NULL CHECK (placement_mode IN ('pack', 'spread'));
