-- Just enough schema for the floor's write route.
CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO counters (id, n) VALUES (1, 0);
CREATE TABLE visits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
