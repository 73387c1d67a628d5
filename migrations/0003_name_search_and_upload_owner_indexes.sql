-- Substring search over names without reading every file of the user: a trigram index
-- (FTS5's trigram tokenizer) over the folded names, kept in step with `files` by triggers.
-- Searches of three or more characters go through it; shorter ones read the user's files.
CREATE VIRTUAL TABLE files_search USING fts5 (
    name_folded,
    content = 'files',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);

CREATE TRIGGER files_search_after_insert AFTER INSERT ON files BEGIN
    INSERT INTO files_search (rowid, name_folded) VALUES (new.rowid, new.name_folded);
END;

CREATE TRIGGER files_search_after_delete AFTER DELETE ON files BEGIN
    INSERT INTO files_search (files_search, rowid, name_folded) VALUES ('delete', old.rowid, old.name_folded);
END;

CREATE TRIGGER files_search_after_rename AFTER UPDATE OF name_folded ON files BEGIN
    INSERT INTO files_search (files_search, rowid, name_folded) VALUES ('delete', old.rowid, old.name_folded);
    INSERT INTO files_search (rowid, name_folded) VALUES (new.rowid, new.name_folded);
END;

INSERT INTO files_search (files_search) VALUES ('rebuild');

-- Foreign keys want an index on the referring column: without it, every change to a user
-- row would scan all pending uploads to check for children.
CREATE INDEX uploads_by_owner ON uploads (owner_id);
