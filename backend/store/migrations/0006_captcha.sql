-- The web's proof-of-work captcha (backend/captcha). Solved challenges are
-- kept until they expire, so each passes once on every server that shares
-- this database; the key signs challenges, so any of them can check another's.
CREATE TABLE captcha_spent (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX captcha_spent_expires ON captcha_spent(expires_at);
CREATE TABLE captcha_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
