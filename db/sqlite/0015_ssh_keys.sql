-- SSH public keys kept in a user's profile (issue 8), offered at machine create for the NoCloud seed.
CREATE TABLE ssh_keys (
    id           TEXT NOT NULL PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX ssh_keys_user_name ON ssh_keys (user_id, name);
CREATE UNIQUE INDEX ssh_keys_user_fingerprint ON ssh_keys (user_id, fingerprint);
