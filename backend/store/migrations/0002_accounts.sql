-- Customer accounts, their employees (memberships), phone numbers verified
-- for the account details form, and the staff list's search index.

CREATE TABLE accounts (
	num               INTEGER PRIMARY KEY AUTOINCREMENT, -- stable rowid for the search index
	id                TEXT NOT NULL UNIQUE,              -- UUIDv7: sorts by creation, the list's keyset
	type              TEXT NOT NULL,
	first_name        TEXT NOT NULL,
	last_name         TEXT NOT NULL,
	company_name      TEXT NOT NULL,
	sector            TEXT NOT NULL,
	sector_other      TEXT NOT NULL,
	phone_type        TEXT NOT NULL,
	phone             TEXT NOT NULL,
	phone_verified_at INTEGER,
	profile           TEXT NOT NULL, -- JSON of backend.CompanyProfile, drafts included
	display_name      TEXT NOT NULL, -- derived for the list: company or person
	email             TEXT NOT NULL, -- derived: the profile's email
	tax_id            TEXT NOT NULL, -- derived: INN or GSTIN
	status            TEXT NOT NULL, -- derived: registered | verified | profile_complete
	created_by        TEXT NOT NULL REFERENCES users(id),
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);
CREATE INDEX accounts_status ON accounts(status, id);
CREATE INDEX accounts_creator ON accounts(created_by, id);

CREATE TABLE memberships (
	account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role        TEXT NOT NULL, -- administrator | operator
	status      TEXT NOT NULL, -- invited | active | deactivated
	max_dialogs INTEGER,       -- an operator's own limit; NULL: the company default
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE phone_verifications (
	user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	phone       TEXT NOT NULL,
	verified_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, phone)
);

-- FTS4 ships in mattn/go-sqlite3 without build tags; prefix indexes make
-- "pet*" as fast as a whole word. docid = accounts.num.
CREATE VIRTUAL TABLE accounts_fts USING fts4(body, tokenize=unicode61, prefix="2,3,4");
