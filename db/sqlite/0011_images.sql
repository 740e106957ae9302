-- Image catalogue (issue 7, item 3). An image is a row naming its content by SHA-256; the bytes are stored once
-- under <data>/images/sha256/<first two hex>/<hash>, however many images (of however many tenants) name them.
-- The blob of a content is removed with the last image row that names it (a reference count by rows).
CREATE TABLE images (
    id                  TEXT NOT NULL PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants (id),
    owner_id            TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT,
    os                  TEXT,
    min_memory_mib      INTEGER,
    min_disk_gib        INTEGER,
    visibility          TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    sha256              TEXT NOT NULL CHECK (length(sha256) = 64),
    format              TEXT NOT NULL CHECK (format IN ('qcow2', 'raw')),
    virtual_size_bytes  INTEGER NOT NULL CHECK (virtual_size_bytes > 0),
    size_bytes          INTEGER NOT NULL CHECK (size_bytes > 0),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX images_sha256 ON images (sha256);
CREATE INDEX images_tenant_created ON images (tenant_id, created_at, id);
CREATE INDEX images_visibility_created ON images (visibility, created_at, id);

-- The machine a disk was made from, so that an image in use cannot be deleted. Nullable TEXT without a foreign key
-- on purpose: diskless machines have none, and the storage work fills it when it provisions disks from images.
ALTER TABLE machines ADD COLUMN image_id TEXT;
CREATE INDEX machines_image ON machines (image_id) WHERE image_id IS NOT NULL;
