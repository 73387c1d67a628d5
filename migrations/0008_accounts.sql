-- Accounts people can run: per-user quotas, disabled accounts, invites, account deletion.

-- A user's own quota over stored and pending bytes: NULL = the deployment's QUOTA_BYTES,
-- 0 = unlimited. Set by an admin (PATCH /admin/users/{id}).
ALTER TABLE users ADD COLUMN quota_bytes INTEGER CHECK (quota_bytes IS NULL OR quota_bytes >= 0);

-- A disabled user is refused (403 account_disabled) at login and on every signed-in call
-- (the check every signed-in batch starts with reads it), and their share links answer 410.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

-- The admin's list of users is in canonical email order (users_by_canonical_email).

-- Invites (SIGNUP=invite): a token shown once to the admin who made it, stored as its
-- SHA-256, good for one registration before `expires_at`, optionally only for one email
-- (compared canonically). `used_at` is set by the registration that spent it.
CREATE TABLE invites (
    id              TEXT    PRIMARY KEY NOT NULL,
    token_hash      TEXT    NOT NULL UNIQUE,
    email           TEXT,
    email_canonical TEXT,
    created_by      TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
) STRICT;

-- The admin's list of invites that have not expired, soonest to expire last.
CREATE INDEX invites_by_expiry ON invites (expires_at, id);
