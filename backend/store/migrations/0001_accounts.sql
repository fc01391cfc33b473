-- Users, their consents, single-use secrets, sessions, throttles, the outbox
-- and the change log. Times are Unix milliseconds (UTC).

CREATE TABLE settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE users (
	id                TEXT PRIMARY KEY,
	name              TEXT NOT NULL,
	email             TEXT NOT NULL UNIQUE, -- canonical form, see backend.NormalizeEmail
	phone             TEXT NOT NULL,        -- E.164
	time_zone         TEXT NOT NULL,
	role              TEXT NOT NULL,
	password_hash     TEXT NOT NULL,        -- argon2id, PHC string with its parameters
	email_verified_at INTEGER,
	phone_verified_at INTEGER,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);

CREATE TABLE consents (
	id          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL, -- terms | privacy
	version     TEXT NOT NULL,
	accepted_at INTEGER NOT NULL
);
CREATE INDEX consents_user ON consents(user_id);

-- tokens are single-use secrets: links (looked up by secret_hash) and
-- codes (looked up by user and purpose, compared with a salted hash).
CREATE TABLE tokens (
	id          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	purpose     TEXT NOT NULL,
	secret_hash TEXT NOT NULL,
	salt        TEXT NOT NULL DEFAULT '',
	attempts    INTEGER NOT NULL DEFAULT 0,
	expires_at  INTEGER NOT NULL,
	used_at     INTEGER,
	created_at  INTEGER NOT NULL
);
CREATE INDEX tokens_secret ON tokens(secret_hash);
CREATE INDEX tokens_user ON tokens(user_id, purpose, created_at);

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	token_hash   TEXT NOT NULL UNIQUE,
	remember     INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

-- throttles count attempts per key (a hash of purpose and email or user),
-- known or unknown alike, so that limits never reveal whether an account exists.
CREATE TABLE throttles (
	key           TEXT PRIMARY KEY,
	count         INTEGER NOT NULL,
	window_start  INTEGER NOT NULL,
	blocked_until INTEGER NOT NULL
);

CREATE TABLE outbox (
	id              TEXT PRIMARY KEY,
	channel         TEXT NOT NULL,
	recipient       TEXT NOT NULL,
	subject         TEXT NOT NULL,
	body            TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER,          -- NULL once sent or given up
	sent_at         INTEGER,
	last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE next_attempt_at IS NOT NULL;

CREATE TABLE changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT NOT NULL UNIQUE,
	entity     TEXT NOT NULL,
	entity_id  TEXT NOT NULL,
	op         TEXT NOT NULL,
	data       TEXT NOT NULL,
	hlc        TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	pushed_at  INTEGER
);
CREATE INDEX changes_unpushed ON changes(seq) WHERE pushed_at IS NULL;
