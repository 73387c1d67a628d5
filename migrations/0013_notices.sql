-- Notices kept for webhooks: an event that some live webhook of its account hears, stored in
-- D1 until the events consumer has queued a delivery of it to each of them.
--
-- A notice goes to the events queue straight from the request that made the event; it is
-- kept here only when that cannot be trusted to reach the queue:
--   * the queue refused the request's send (the request writes the notice instead);
--   * the event is written by a transaction whose caller may never learn it landed: the
--     sweeper's deletion of expired files and the consumer's batch of visits write their
--     notices in the same transaction, so D1 failing after the commit loses none of them.
-- The consumer deletes a kept notice once every delivery of it is queued. The sweeper sends
-- again each notice still here at its `due_at` (and moves `due_at` on, which is its claim,
-- so two sweeps never send the same notice at once), and drops the ones older than the
-- webhooks' retry window (at least an hour). A deployment without the queue keeps none.
-- A notice sent twice reaches a receiver twice with the same payload
-- `id`, which receivers already drop (the queue delivers at least once anyway).
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
