-- Per-address rate limits shared by servers on one database (serve on
-- PostgreSQL): a token bucket per client address (hashed), so a client
-- that reaches several servers gets the rate once, not once per server.
-- Rows idle for an hour are full again and are removed.
CREATE TABLE ip_buckets (
	key        TEXT PRIMARY KEY,
	tokens     REAL NOT NULL,
	taken      INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX ip_buckets_updated ON ip_buckets(updated_at);
