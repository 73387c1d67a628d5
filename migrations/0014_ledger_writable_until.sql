-- How long a key on the ledger may still be written, kept on its entry.
--
-- A deleted object's entry stays (unclaimed, due later) while an upload URL issued for its
-- key may still be used, so bytes a late PUT stores are swept too. That time was read from
-- the key's rows in `uploads`; an account's deletion drops those rows in the same
-- transaction that puts the account's objects on the ledger, so it now copies it onto each
-- entry first (`writable_until`, Unix ms: the last upload URL's expiry).
ALTER TABLE orphan_objects ADD COLUMN writable_until INTEGER;
