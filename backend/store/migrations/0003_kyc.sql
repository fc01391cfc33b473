-- KYC cases, their documents and files, and each case's history.

CREATE TABLE kyc_cases (
	id           TEXT PRIMARY KEY,
	reference    TEXT NOT NULL UNIQUE, -- KYC-XXXXXX, for email subjects
	account_id   TEXT NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
	country      TEXT NOT NULL,
	entity_type  TEXT NOT NULL,
	state        TEXT NOT NULL,
	submitted_at INTEGER,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX kyc_queue ON kyc_cases(state, submitted_at);

CREATE TABLE kyc_documents (
	id          TEXT PRIMARY KEY,
	case_id     TEXT NOT NULL REFERENCES kyc_cases(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL, -- '' until someone says what an emailed file is
	requirement TEXT NOT NULL,
	status      TEXT NOT NULL, -- pending | approved | rejected
	reason      TEXT NOT NULL DEFAULT '',
	source      TEXT NOT NULL, -- upload | email
	message_id  TEXT NOT NULL DEFAULT '', -- emailed: the message it came in, to take it once
	removed_at  INTEGER,                  -- replaced or removed: kept for the history
	reviewed_by TEXT,
	reviewed_at INTEGER,
	created_at  INTEGER NOT NULL
);
CREATE INDEX kyc_documents_case ON kyc_documents(case_id, removed_at);
CREATE INDEX kyc_documents_message ON kyc_documents(message_id) WHERE message_id != '';

CREATE TABLE kyc_files (
	document_id TEXT NOT NULL REFERENCES kyc_documents(id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	sha256      TEXT NOT NULL,
	size        INTEGER NOT NULL,
	type        TEXT NOT NULL,
	name        TEXT NOT NULL,
	PRIMARY KEY (document_id, position)
);
CREATE INDEX kyc_files_sha ON kyc_files(sha256);

CREATE TABLE kyc_events (
	id         TEXT PRIMARY KEY,
	case_id    TEXT NOT NULL REFERENCES kyc_cases(id) ON DELETE CASCADE,
	at         INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	reason     TEXT NOT NULL
);
CREATE INDEX kyc_events_case ON kyc_events(case_id, at);
