-- KYC files kept in the database, for servers that share it and no
-- folder (serve on PostgreSQL): a file stored through one server is read
-- through any. Each file is split in chunks so that reading a range, or
-- the whole file, never holds more than a chunk in memory. A file_blobs
-- row is written last, in the same transaction: it says the chunks are all
-- there.
CREATE TABLE file_blobs (
	sha256     TEXT PRIMARY KEY,
	size       BIGINT NOT NULL,
	chunk_size BIGINT NOT NULL,
	stored_at  BIGINT NOT NULL
);
CREATE TABLE file_chunks (
	sha256 TEXT NOT NULL,
	n      BIGINT NOT NULL,
	data   BYTEA NOT NULL,
	PRIMARY KEY (sha256, n)
);
