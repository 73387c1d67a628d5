-- Notices kept for webhooks: an event that some live webhook of its account hears, stored in
-- D1 until the events consumer has queued a delivery of it to each of them.
--
-- Every such event is written here by the transaction that makes it (a file born or
-- deleted, a visit to a link logged, the sweeper's deletion of expired files, the events
-- consumer's batch of visits), so it is kept exactly when it happens: a queue that refuses
-- a send, or D1 failing after the commit, loses none of them. An event no webhook hears is
-- not written at all. The request then sends the notice to the events queue at once (the
-- consumer's visit batch queues the deliveries itself); the consumer deletes it once every
-- delivery of it is queued. The sweeper sends again each notice still here at its `due_at`
-- (and moves `due_at` on, which is its claim, so two sweeps never send the same notice at
-- once), and drops the ones older than the webhooks' retry window (at least an hour). A
-- deployment without the queue keeps none. A notice sent twice reaches a receiver twice with
-- the same payload `id`, which receivers already drop (the queue delivers at least once
-- anyway).
CREATE TABLE notices (
    id       TEXT    NOT NULL PRIMARY KEY, -- the payload's `id`
    owner_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event    TEXT    NOT NULL,             -- `file.uploaded`, `file.deleted`, `share.accessed`
    data     TEXT    NOT NULL,             -- the payload's `data`, JSON
    at       INTEGER NOT NULL,             -- when the event happened (Unix ms): `created_at`
    due_at   INTEGER NOT NULL              -- when the sweeper sends it (again) if it is still here
) STRICT, WITHOUT ROWID;

-- The sweeper's next notices to send, and the ones past the retry window.
CREATE INDEX notices_by_due ON notices (due_at);
CREATE INDEX notices_by_age ON notices (at);

-- Deleting an account deletes its notices (the foreign key): one index seek.
CREATE INDEX notices_by_owner ON notices (owner_id);
