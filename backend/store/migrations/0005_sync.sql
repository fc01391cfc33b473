-- Sync: per-field clocks of every synced row, conflict records, merged ids,
-- desktops registered with a server, and a desktop's own sync state.

-- origin: the device that pushed a change to this server ('' = written here).
-- base: the field clocks the writer saw, so a receiver tells a later edit
-- from a concurrent one.
ALTER TABLE changes ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN base TEXT NOT NULL DEFAULT '{}';
CREATE INDEX changes_origin ON changes(origin, seq);

-- Changes written before sync existed carry the old payload format and are
-- never pushed: a new desktop's data reaches the server through new edits.
UPDATE changes SET pushed_at = created_at WHERE pushed_at IS NULL;

-- clocks: JSON {column: hlc} of the last write of each column; deleted: the
-- tombstone's hlc once the row was deleted, so a late edit cannot revive it.
CREATE TABLE row_clocks (
	entity    TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	clocks    TEXT NOT NULL,
	deleted   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

-- A value that lost to a later write of the same field (or a record that
-- lost a unique key), kept so an administrator can review and reverse it.
CREATE TABLE sync_conflicts (
	id          TEXT PRIMARY KEY,
	kind        TEXT NOT NULL, -- field | unique | deleted
	entity      TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	field       TEXT NOT NULL,
	kept_value  TEXT NOT NULL, -- JSON
	kept_hlc    TEXT NOT NULL,
	lost_value  TEXT NOT NULL, -- JSON
	lost_hlc    TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	resolved_at INTEGER,
	resolved_by TEXT,
	resolution  TEXT NOT NULL DEFAULT '' -- kept | reversed
);
CREATE INDEX sync_conflicts_open ON sync_conflicts(created_at) WHERE resolved_at IS NULL;

-- Two records that turned out to be one (two desktops registered the same
-- email offline): changes naming from_id apply to to_id.
CREATE TABLE sync_aliases (
	entity     TEXT NOT NULL,
	from_id    TEXT NOT NULL,
	to_id      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (entity, from_id)
) WITHOUT ROWID;

-- Server side: desktops allowed to sync, by a token stored hashed.
CREATE TABLE devices (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER,
	revoked_at   INTEGER,
	revoked_by   TEXT
);
CREATE INDEX devices_user ON devices(user_id);

-- Desktop side: server address, device id, pull cursor, last sync.
CREATE TABLE sync_state (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
