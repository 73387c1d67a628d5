-- The web app lists the sub-folders of a folder (GET /folders). Folders are not stored on
-- their own: they are the `folder` values of files. This index reads each path with '/' as
-- char(1), which sorts before every character a folder segment may hold (control characters
-- are refused), so the subtree of a folder is one contiguous key range and the listing can
-- seek from one child folder straight past its whole subtree to the next.
CREATE INDEX files_by_owner_tree ON files (owner_id, replace(folder, '/', char(1)));
