-- Uploads and the ledger as state machines with atomic claims, so that requests racing on
-- one upload (a retried complete, an abort, the sweeper) can never both act on the bucket.

-- A direct upload is `pending` until a complete claims it (`completing`, held by `claim`
-- until `claimed_until`), then `committed` (its file row exists; the row stays until
-- `expires_at` so a retried complete answers with the same file), or `aborted` (by its
-- owner, a failed completion or the sweeper; the row goes once its object is gone).
ALTER TABLE uploads ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'completing', 'committed', 'aborted'));
ALTER TABLE uploads ADD COLUMN claim TEXT;
ALTER TABLE uploads ADD COLUMN claimed_until INTEGER;

-- The sweeper prunes committed rows whose time has passed.
CREATE INDEX uploads_by_state_expiry ON uploads (state, expires_at);

-- Whoever deletes a ledger object (the sweeper, an abort, a file's delete, a failed upload)
-- first sets `claim` (and pushes `sweep_after` to the end of its lease, after which another
-- deleter may take over). A claimed object is doomed: no file row can be born from it any
-- more, because committing a file requires its ledger entry to be unclaimed.
ALTER TABLE orphan_objects ADD COLUMN claim TEXT;
