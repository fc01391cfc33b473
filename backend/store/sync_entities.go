package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gatehouse/backend"
)

// syncEntity says how one table travels in the change log: a change carries
// the written columns of one row as {column: value}, and a receiver applies
// each column by its clock (last writer wins, per field).
type syncEntity struct {
	name  string
	table string
	key   []string // primary-key columns; the entity id is their values joined by "/"
	// local columns never leave the database (a rowid for the search index).
	local []string
	// refs: column -> entity it names; merged ids are followed through
	// sync_aliases when a change arrives.
	refs map[string]string
	// unique: a column whose value two offline writers may both claim; the
	// second record merges into the first (see mergeInto).
	unique string
	// softDelete: the column a "delete" sets instead of removing the row.
	softDelete string
	// jsonCols hold JSON objects whose top-level keys sync as fields of
	// their own ("profile.name"), so two people editing different parts of
	// a company profile offline both keep their edit.
	jsonCols []string
	// derived columns are computed from the others; afterApply recomputes
	// them, and a difference in them is never a conflict worth review.
	derived []string
	// children are rows owned by this one that travel inside its first
	// change (a document's files): table, its column naming the parent.
	children []childTable
	// immutable rows are written once and never edited (history events,
	// consents): they need no field clocks, which saves two statements on
	// every write and every apply.
	immutable bool
	// afterApply keeps derived data (the search index) in step.
	afterApply func(tx *Tx, id string) error
	// prepareNew works out, away from the write transaction, what
	// afterApply would derive for a new row from its columns (nil when it
	// cannot tell: afterApply runs instead); afterInsert stores it once the
	// row is in.
	prepareNew  func(cols, fields map[string]any, check bool) *newRowIndex
	afterInsert func(tx *Tx, id string, res sql.Result, idx *newRowIndex) error

	cols    []string        // synced columns, from the schema
	colSet  map[string]bool // the same, for lookups
	notNull map[string]bool
	// inserts caches insertStatement's work by the set of columns (a bit
	// each, colBit, when the table has at most 64): a first sync inserts
	// thousands of rows with the same columns.
	colBit  map[string]uint
	inserts sync.Map // uint64 -> *insertShape
}

// insertShape is an INSERT of some columns, and their order in it.
type insertShape struct {
	query string
	names []string
}

// newRowIndex is a new row's derived data, see prepareNew.
type newRowIndex struct {
	derived map[string]any // derived column -> value
	search  string         // the search row's text
	// checked: the row went through its form's rules, and problem says
	// what breaks them ("" when nothing does).
	checked bool
	problem string
}

type childTable struct {
	table, parentCol string
	cols             []string
}

// syncEntities lists every table that syncs. Sessions, tokens, throttles and
// the outbox stay on the node that made them (the outbox is handed over
// separately, see HandOverOutbox).
func syncEntities() []*syncEntity {
	return []*syncEntity{
		{name: "user", table: "users", key: []string{"id"}, unique: "email"},
		{name: "consent", table: "consents", key: []string{"id"}, refs: map[string]string{"user_id": "user"}, immutable: true},
		{name: "setting", table: "settings", key: []string{"key"}},
		{name: "account", table: "accounts", key: []string{"id"}, local: []string{"num"}, jsonCols: []string{"profile"},
			derived: []string{"display_name", "email", "tax_id", "status"},
			refs:    map[string]string{"created_by": "user"}, afterApply: reindexAccount,
			prepareNew: prepareAccount, afterInsert: indexNewAccount},
		{name: "membership", table: "memberships", key: []string{"account_id", "user_id"},
			refs: map[string]string{"account_id": "account", "user_id": "user"}},
		{name: "kyc_case", table: "kyc_cases", key: []string{"id"}, unique: "account_id",
			refs: map[string]string{"account_id": "account"}},
		{name: "kyc_document", table: "kyc_documents", key: []string{"id"}, softDelete: "removed_at",
			refs:     map[string]string{"case_id": "kyc_case", "reviewed_by": "user"},
			children: []childTable{{table: "kyc_files", parentCol: "document_id"}}},
		{name: "kyc_event", table: "kyc_events", key: []string{"id"}, refs: map[string]string{"case_id": "kyc_case"}, immutable: true},
	}
}

// loadSyncEntities reads each synced table's columns from the schema, so a
// migration that adds a column makes it sync without a code change.
func (db *DB) loadSyncEntities(ctx context.Context) error {
	db.entities = map[string]*syncEntity{}
	for _, e := range syncEntities() {
		cols, notNull, err := db.tableColumns(ctx, e.table)
		if err != nil {
			return err
		}
		e.colSet, e.notNull, e.colBit = map[string]bool{}, notNull, map[string]uint{}
		for _, c := range cols {
			if !contains(e.local, c) {
				e.cols = append(e.cols, c)
				e.colSet[c] = true
			}
		}
		if len(e.cols) <= 64 {
			for i, c := range e.cols {
				e.colBit[c] = uint(i)
			}
		}
		for i, ch := range e.children {
			if e.children[i].cols, _, err = db.tableColumns(ctx, ch.table); err != nil {
				return err
			}
		}
		db.entities[e.name] = e
	}
	return nil
}

func (db *DB) tableColumns(ctx context.Context, table string) ([]string, map[string]bool, error) {
	q := `SELECT name, "notnull" FROM pragma_table_info(?)`
	if db.eng.postgres {
		q = `SELECT column_name, is_nullable = 'NO' FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	}
	rows, err := db.write.QueryContext(ctx, q, table)
	if err != nil {
		return nil, nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	notNull := map[string]bool{}
	for rows.Next() {
		var name string
		var nn bool
		if err := rows.Scan(&name, &nn); err != nil {
			return nil, nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		cols = append(cols, name)
		notNull[name] = nn
	}
	if len(cols) == 0 {
		return nil, nil, fmt.Errorf("columns of %s: no such table", table)
	}
	return cols, notNull, rows.Err()
}

// idOf joins key column values into the entity id.
func (e *syncEntity) idOf(values map[string]any) string {
	parts := make([]string, len(e.key))
	for i, k := range e.key {
		parts[i] = fmt.Sprint(values[k])
	}
	return strings.Join(parts, "/")
}

// keyWhere returns "a = ? AND b = ?" and the id's parts as arguments.
func (e *syncEntity) keyWhere(id string) (string, []any, error) {
	parts := strings.Split(id, "/")
	if len(parts) != len(e.key) {
		return "", nil, fmt.Errorf("%s id %q: want %d parts", e.name, id, len(e.key))
	}
	conds := make([]string, len(e.key))
	args := make([]any, len(e.key))
	for i, k := range e.key {
		conds[i] = k + " = ?"
		args[i] = parts[i]
	}
	return strings.Join(conds, " AND "), args, nil
}

// reindexAccount recomputes an account's derived columns and search row
// after a synced write.
func reindexAccount(tx *Tx, id string) error {
	var derived [4]string
	r, err := scanAccount(tx.QueryRow(`SELECT `+accountColumns+`, display_name, email, tax_id, status FROM accounts WHERE id = ?`, id),
		&derived[0], &derived[1], &derived[2], &derived[3])
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted: nothing to index
	} else if err != nil {
		return err
	}
	a := &r.acct
	// A new account arrives with its derived columns right; an edit that
	// won some fields and lost others may leave them stale.
	want := [4]string{displayName(a.Details), a.Profile.Email, taxID(a.Profile.Requisites), accountStatus(a)}
	if want != derived {
		if _, err := tx.Exec(`UPDATE accounts SET display_name = ?, email = ?, tax_id = ?, status = ? WHERE num = ?`,
			want[0], want[1], want[2], want[3], r.num); err != nil {
			return err
		}
	}
	return tx.indexAccount(r.num, a)
}

// prepareAccount derives a new account's columns and search text from the
// columns a change brings (fields are the change's, from which the profile
// column was made), as reindexAccount does from the stored row. It gives up
// (nil) on anything the stored row would not hold as it came: a missing
// column, or a value of another type than the column's.
func prepareAccount(cols, fields map[string]any, check bool) *newRowIndex {
	text := func(col string, to *string) bool {
		v, ok := cols[col].(string)
		*to = v
		return ok
	}
	var a backend.Account
	d := &a.Details
	var profile, skip string
	if !text("type", &d.Type) || !text("first_name", &d.FirstName) || !text("last_name", &d.LastName) ||
		!text("company_name", &d.CompanyName) || !text("sector", &d.Sector) || !text("sector_other", &d.SectorOther) ||
		!text("phone_type", &d.PhoneType) || !text("phone", &d.Phone) || !text("profile", &profile) ||
		!text("display_name", &skip) || !text("email", &skip) || !text("tax_id", &skip) || !text("status", &skip) {
		return nil
	}
	switch cols["phone_verified_at"].(type) {
	case nil:
	case int64:
		a.PhoneVerified = true
	default:
		return nil
	}
	// The profile's fields as they are, else as reindexAccount reads them.
	obj := map[string]any{}
	for f, v := range fields {
		if sub, ok := strings.CutPrefix(f, "profile."); ok {
			obj[sub] = v
		}
	}
	if !fillStruct(reflect.ValueOf(&a.Profile).Elem(), obj) {
		a.Profile = backend.CompanyProfile{}
		if json.Unmarshal([]byte(profile), &a.Profile) != nil {
			return nil
		}
	}
	idx := &newRowIndex{
		derived: map[string]any{"display_name": displayName(a.Details), "email": a.Profile.Email,
			"tax_id": taxID(a.Profile.Requisites), "status": accountStatus(&a)},
		search: searchBody(&a),
	}
	if check {
		idx.checked, idx.problem = true, accountProblem(&a)
	}
	return idx
}

// indexNewAccount writes a new account's search row. The row's num is
// the insert's rowid on SQLite; pgx has no LastInsertId, so PostgreSQL
// reads it back.
func indexNewAccount(tx *Tx, id string, res sql.Result, idx *newRowIndex) error {
	var num int64
	var err error
	if tx.db.eng.postgres {
		err = tx.QueryRow(`SELECT num FROM accounts WHERE id = ?`, id).Scan(&num)
	} else {
		num, err = res.LastInsertId()
	}
	if err != nil {
		return err
	}
	return tx.indexSearch(num, idx.search)
}

// flatten turns a row into sync fields: a JSON column's top-level keys
// become "col.key" fields.
func (e *syncEntity) flatten(row map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(row))
	for k, v := range row {
		if !contains(e.jsonCols, k) {
			out[k] = v
			continue
		}
		obj, err := decodeData(json.RawMessage(fmt.Sprint(v)))
		if err != nil {
			return nil, fmt.Errorf("%s.%s is not a JSON object: %w", e.name, k, err)
		}
		for sub, sv := range obj {
			out[k+"."+sub] = sv
		}
	}
	return out, nil
}

// field names the column a sync field lives in, and its key inside a JSON
// column ("" for a plain column); ok is false for a field the entity lacks.
func (e *syncEntity) field(f string) (col, sub string, ok bool) {
	if e.colSet[f] && !contains(e.jsonCols, f) {
		return f, "", true
	}
	if col, sub, found := strings.Cut(f, "."); found && contains(e.jsonCols, col) && sub != "" {
		return col, sub, true
	}
	return "", "", false
}
