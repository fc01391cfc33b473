package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/backend"
)

// What a node needs around ApplyChanges: the desktop's pending changes and
// state, the server's filtered log, devices, conflicts and the outbox
// hand-over.

// PendingChanges returns local changes the server has not acknowledged,
// oldest first, from after the log position after (0: the start). A push
// loop passes the last one it sent: the query then starts there instead of
// stepping over every change pushed before (it runs on the origin index).
func (db *DB) PendingChanges(ctx context.Context, after int64, limit int) ([]backend.Change, error) {
	return db.readChanges(ctx, `SELECT seq, id, entity, entity_id, op, data, hlc, base FROM changes
		WHERE pushed_at IS NULL AND origin = '' AND seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

// PendingCount counts local changes not yet acknowledged by the server.
func (db *DB) PendingCount(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM changes WHERE pushed_at IS NULL AND origin = ''`).Scan(&n)
	return n, err
}

// MarkPushed records that the server holds these changes.
func (db *DB) MarkPushed(ctx context.Context, ids []string) error {
	return db.update(ctx, func(tx *Tx) error {
		stmt, err := tx.Prepare(`UPDATE changes SET pushed_at = ? WHERE id = ? AND pushed_at IS NULL`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.Exec(ms(tx.now), id); err != nil {
				return fmt.Errorf("mark pushed: %w", err)
			}
		}
		return nil
	})
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) readChanges(ctx context.Context, query string, args ...any) ([]backend.Change, error) {
	return readChanges(ctx, db.read, query, args...)
}

func readChanges(ctx context.Context, q rowsQuerier, query string, args ...any) ([]backend.Change, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var out []backend.Change
	for rows.Next() {
		var c backend.Change
		var data, base string
		if err := rows.Scan(&c.Seq, &c.ID, &c.Entity, &c.EntityID, &c.Op, &data, &c.HLC, &base); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		c.Data = json.RawMessage(data)
		if base != "{}" && base != "" {
			if err := json.Unmarshal([]byte(base), &c.Base); err != nil {
				return nil, fmt.Errorf("change %s base: %w", c.ID, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChangesFor returns what a device may receive after its cursor: the log in
// the server's order, less what the device pushed itself and what its
// user's role does not allow. next is the cursor to send next time (it
// passes filtered changes too); more says another page is waiting.
func (db *DB) ChangesFor(ctx context.Context, dev *backend.Device, u *backend.User, after int64, limit int) (out []backend.Change, next int64, more bool, err error) {
	if limit <= 0 || limit > MaxBatch {
		limit = MaxBatch
	}
	// One snapshot for both reads, so the cursor never passes a change the
	// page did not see.
	rtx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, false, fmt.Errorf("pull: %w", err)
	}
	defer rtx.Rollback()
	// What the device pushed itself, and records absorbed into others,
	// never go back.
	all, err := readChanges(ctx, rtx, `SELECT seq, id, entity, entity_id, op, data, hlc, base FROM changes
		WHERE seq > ? AND origin != ? AND op != 'absorbed' ORDER BY seq LIMIT ?`, after, dev.ID, limit)
	if err != nil {
		return nil, 0, false, err
	}
	if more = len(all) == limit; more {
		next = all[len(all)-1].Seq
	} else if err := rtx.QueryRowContext(ctx, `SELECT coalesce(max(seq), ?) FROM changes`, after).Scan(&next); err != nil {
		return nil, 0, false, fmt.Errorf("pull: %w", err)
	}
	sc := newScope(db.read, u)
	for _, c := range all {
		ok, err := sc.allows(ctx, c)
		if err != nil {
			return nil, 0, false, err
		}
		if !ok {
			continue
		}
		if c.Entity == "user" && c.EntityID != u.ID {
			c.Data = stripHash(c.Data.(json.RawMessage))
		}
		out = append(out, c)
	}
	return out, next, more, nil
}

// stripHash blanks another user's password hash: a desktop signs in only
// the people who connected it.
func stripHash(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	if _, ok := m["password_hash"]; !ok {
		return raw
	}
	m["password_hash"] = json.RawMessage(`""`)
	b, _ := json.Marshal(m)
	return b
}

// scope answers whether a user's role lets them receive (or send) a change:
// staff see everything; a field agent the accounts they onboarded and the
// people in them; anyone else their own records.
type scope struct {
	q        *pool
	u        *backend.User
	all      bool
	loaded   bool
	accounts map[string]bool
	users    map[string]bool
}

func newScope(q *pool, u *backend.User) *scope {
	all := u.Role == backend.RoleAdmin || u.Role == backend.RoleReviewer || u.Role == backend.RoleManager
	return &scope{q: q, u: u, all: all}
}

func (s *scope) load(ctx context.Context) error {
	if s.loaded {
		return nil
	}
	s.accounts, s.users = map[string]bool{}, map[string]bool{s.u.ID: true}
	rows, err := s.q.QueryContext(ctx, `SELECT id FROM accounts WHERE created_by = ?
		UNION SELECT account_id FROM memberships WHERE user_id = ? AND role = 'administrator' AND status = 'active'`, s.u.ID, s.u.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		s.accounts[id] = true
	}
	rows.Close()
	for id := range s.accounts {
		rows, err := s.q.QueryContext(ctx, `SELECT user_id FROM memberships WHERE account_id = ?`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u string
			rows.Scan(&u)
			s.users[u] = true
		}
		rows.Close()
	}
	s.loaded = true
	return nil
}

func (s *scope) allows(ctx context.Context, c backend.Change) (bool, error) {
	if s.all {
		return true, nil
	}
	if err := s.load(ctx); err != nil {
		return false, err
	}
	var data map[string]any
	if raw, ok := c.Data.(json.RawMessage); ok {
		json.Unmarshal(raw, &data)
	}
	str := func(k string) string { v, _ := data[k].(string); return v }
	switch c.Entity {
	case "setting":
		return true, nil
	case "user":
		return s.users[c.EntityID], nil
	case "consent":
		uid := str("user_id")
		if uid == "" {
			s.q.QueryRowContext(ctx, `SELECT user_id FROM consents WHERE id = ?`, c.EntityID).Scan(&uid)
		}
		return s.users[uid], nil
	case "account", "membership", "kyc_case", "kyc_document", "kyc_event":
		row := func(q string, args ...any) *sql.Row { return s.q.QueryRowContext(ctx, q, args...) }
		return s.accounts[recordAccount(row, c.Entity, c.EntityID, data)], nil
	}
	return false, nil
}

// recordAccount names the customer account a synced record belongs to, ""
// for none: from the change's data when it says, else from the rows here.
// row runs a one-row query (on a transaction or the read pool).
func recordAccount(row func(query string, args ...any) *sql.Row, entity, id string, data map[string]any) string {
	str := func(k string) string { v, _ := data[k].(string); return v }
	switch entity {
	case "account":
		return id
	case "membership":
		return strings.SplitN(id, "/", 2)[0]
	case "kyc_case":
		acct := str("account_id")
		if acct == "" {
			row(`SELECT account_id FROM kyc_cases WHERE id = ?`, id).Scan(&acct)
		}
		return acct
	case "kyc_document", "kyc_event":
		caseID := str("case_id")
		if caseID == "" {
			row(`SELECT case_id FROM `+entity+`s WHERE id = ?`, id).Scan(&caseID)
		}
		var acct string
		row(`SELECT account_id FROM kyc_cases WHERE id = ?`, caseID).Scan(&acct)
		return acct
	}
	return ""
}

// mayPush checks a pushed change against the pushing user's role: the
// same rules as the screens, applied to records instead of forms.
// fresh says the record is known not to be here, which saves looking.
func (tx *Tx) mayPush(u *backend.User, e *syncEntity, id string, data map[string]any, fresh bool) error {
	if u.Role == backend.RoleAdmin {
		return nil
	}
	deny := func() error {
		return reject("a %s may not change %s %s", u.Role, e.name, id)
	}
	exists := false
	if fresh {
		// No row: exists stays false.
	} else if v, err := tx.rowValues(e, id, e.key); err != nil {
		return err
	} else if v != nil {
		exists = true
	}
	str := func(k string) string { v, _ := data[k].(string); return v }
	switch u.Role {
	case backend.RoleReviewer:
		switch e.name {
		case "kyc_case", "kyc_document", "kyc_event":
			if exists || e.name == "kyc_event" {
				return nil
			}
		case "user":
			if id == u.ID && data["role"] == nil {
				return nil
			}
		}
		return deny()
	case backend.RoleAgent:
		switch e.name {
		case "user":
			if _, ok := data["role"]; ok && (exists || data["role"] != string(backend.RoleCustomer)) {
				return deny() // nobody raises a role from the field
			}
			if !exists || id == u.ID {
				return nil
			}
			var n int
			tx.QueryRow(`SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ? AND a.created_by = ?`, id, u.ID).Scan(&n)
			if n > 0 {
				return nil
			}
			return deny()
		case "consent":
			// The person consenting: the agent, someone in their accounts,
			// or someone just registered (in no account yet) at their desk.
			uid := str("user_id")
			var inOthers, inMine int
			tx.QueryRow(`SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ? AND a.created_by != ?`, uid, u.ID).Scan(&inOthers)
			tx.QueryRow(`SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ? AND a.created_by = ?`, uid, u.ID).Scan(&inMine)
			var role string
			tx.QueryRow(`SELECT role FROM users WHERE id = ?`, uid).Scan(&role)
			if uid == u.ID || inMine > 0 || (inOthers == 0 && role == string(backend.RoleCustomer)) {
				return nil
			}
			return deny()
		case "account":
			if !exists {
				if str("created_by") == u.ID {
					return nil
				}
				return deny()
			}
			fallthrough
		case "membership", "kyc_case", "kyc_document", "kyc_event":
			var creator string
			tx.QueryRow(`SELECT created_by FROM accounts WHERE id = ?`, recordAccount(tx.QueryRow, e.name, id, data)).Scan(&creator)
			if creator == u.ID {
				return nil
			}
			return deny()
		}
		return deny()
	default:
		if e.name == "user" && id == u.ID && data["role"] == nil {
			return nil
		}
		return deny()
	}
}

// CreateDevice registers a desktop for a user and returns its token, shown
// once; the server keeps only its hash.
func (db *DB) CreateDevice(ctx context.Context, userID, name string) (*backend.Device, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Desktop"
	}
	if len([]rune(name)) > 100 {
		name = string([]rune(name)[:100])
	}
	token := backend.NewToken()
	d := &backend.Device{ID: newID(), UserID: userID, Name: name}
	err := db.update(ctx, func(tx *Tx) error {
		d.CreatedAt = tx.now
		_, err := tx.Exec(`INSERT INTO devices (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			d.ID, userID, name, backend.HashToken(token), ms(tx.now))
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("create device: %w", err)
	}
	return d, token, nil
}

var errDevice = backend.Keyed(backend.EUNAUTHORIZED, "errors.device_unknown",
	"This desktop is not (or no longer) allowed to sync. Connect it again with your email and password.")

// DeviceByToken finds the device and its user; a revoked or unknown token
// is unauthorized.
func (db *DB) DeviceByToken(ctx context.Context, token string) (*backend.Device, *backend.User, error) {
	if token == "" {
		return nil, nil, errDevice
	}
	var d backend.Device
	var created int64
	var seen sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, name, created_at, last_seen_at FROM devices WHERE token_hash = ? AND revoked_at IS NULL`,
		backend.HashToken(token)).Scan(&d.ID, &d.UserID, &d.Name, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errDevice
	} else if err != nil {
		return nil, nil, fmt.Errorf("device: %w", err)
	}
	d.CreatedAt = time.UnixMilli(created).UTC()
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, d.UserID))
	if err != nil {
		return nil, nil, errDevice
	}
	// Seen at most once a minute: a write per request would queue every
	// sync behind the writer.
	if now := db.Now(); !seen.Valid || now.Sub(time.UnixMilli(seen.Int64)) > time.Minute {
		db.update(ctx, func(tx *Tx) error {
			_, err := tx.Exec(`UPDATE devices SET last_seen_at = ? WHERE id = ?`, ms(tx.now), d.ID)
			return err
		})
	}
	return &d, u, nil
}

// Devices lists the desktops registered with this server (administrators).
func (db *DB) Devices(ctx context.Context) ([]backend.Device, error) {
	if _, err := backend.RequireRole(ctx, backend.RoleAdmin); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT d.id, d.user_id, u.name, u.email, d.name, d.created_at, d.last_seen_at, d.revoked_at
		FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	out := []backend.Device{}
	for rows.Next() {
		var d backend.Device
		var created int64
		var seen, revoked sql.NullInt64
		if err := rows.Scan(&d.ID, &d.UserID, &d.UserName, &d.UserEmail, &d.Name, &created, &seen, &revoked); err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		d.CreatedAt = time.UnixMilli(created).UTC()
		d.LastSeenAt, d.RevokedAt = timePtr(seen), timePtr(revoked)
		out = append(out, d)
	}
	return out, rows.Err()
}

// RevokeDevice stops a desktop from syncing (administrators).
func (db *DB) RevokeDevice(ctx context.Context, id string) error {
	u, err := backend.RequireRole(ctx, backend.RoleAdmin)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`UPDATE devices SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, ms(tx.now), u.ID, id)
		if err != nil {
			return fmt.Errorf("revoke device: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return backend.Keyed(backend.ENOTFOUND, "errors.device_not_found", "No such device, or it is already revoked.")
		}
		return nil
	})
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// SyncState reads the desktop's sync settings (server, device, cursor...).
func (db *DB) SyncState(ctx context.Context) (map[string]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT key, value FROM sync_state`)
	if err != nil {
		return nil, fmt.Errorf("sync state: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("sync state: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetSyncState writes sync settings; an empty value removes the key.
func (db *DB) SetSyncState(ctx context.Context, kv map[string]string) error {
	return db.update(ctx, func(tx *Tx) error {
		for k, v := range kv {
			var err error
			if v == "" {
				_, err = tx.Exec(`DELETE FROM sync_state WHERE key = ?`, k)
			} else {
				_, err = tx.Exec(`INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v)
			}
			if err != nil {
				return fmt.Errorf("sync state: %w", err)
			}
		}
		return nil
	})
}

// Conflicts lists conflict records, open ones first. Administrators see
// all; other staff those about records their role lets them see, so a
// field agent learns that the customer they registered offline became one
// with another agent's.
func (db *DB) Conflicts(ctx context.Context, includeResolved bool) ([]backend.Conflict, error) {
	u, err := backend.RequireRole(ctx, backend.RoleAdmin, backend.RoleAgent, backend.RoleReviewer, backend.RoleManager)
	if err != nil {
		return nil, err
	}
	sc := newScope(db.read, u)
	q := `SELECT id, kind, entity, entity_id, field, kept_value, lost_value, detail, created_at, resolved_at, resolution FROM sync_conflicts`
	if !includeResolved {
		q += ` WHERE resolved_at IS NULL`
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY resolved_at IS NOT NULL, created_at DESC LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	defer rows.Close()
	out := []backend.Conflict{}
	for rows.Next() {
		var c backend.Conflict
		var kept, lost string
		var created int64
		var resolved sql.NullInt64
		if err := rows.Scan(&c.ID, &c.Kind, &c.Entity, &c.EntityID, &c.Field, &kept, &lost, &c.Detail, &created, &resolved, &c.Resolution); err != nil {
			return nil, fmt.Errorf("conflicts: %w", err)
		}
		json.Unmarshal([]byte(kept), &c.Kept)
		json.Unmarshal([]byte(lost), &c.Lost)
		c.CreatedAt, c.ResolvedAt = time.UnixMilli(created).UTC(), timePtr(resolved)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	if sc.all {
		return out, nil
	}
	mine := out[:0]
	for _, c := range out {
		if ok, err := sc.allows(ctx, backend.Change{Entity: c.Entity, EntityID: c.EntityID}); err != nil {
			return nil, err
		} else if ok {
			mine = append(mine, c)
		}
	}
	return mine, nil
}

// OpenConflicts counts conflicts nobody reviewed yet.
func (db *DB) OpenConflicts(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL`).Scan(&n)
	return n, err
}

// ResolveConflict closes a conflict: keep what won, or reverse it, which
// writes the lost value back as a new change that syncs everywhere.
func (db *DB) ResolveConflict(ctx context.Context, id string, reverse bool) error {
	u, err := backend.RequireRole(ctx, backend.RoleAdmin)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		var kind, entity, entityID, field, lost string
		err := tx.QueryRow(`SELECT kind, entity, entity_id, field, lost_value FROM sync_conflicts WHERE id = ? AND resolved_at IS NULL`, id).
			Scan(&kind, &entity, &entityID, &field, &lost)
		if errors.Is(err, sql.ErrNoRows) {
			return backend.Keyed(backend.ENOTFOUND, "errors.conflict_not_found", "No such open conflict.")
		} else if err != nil {
			return fmt.Errorf("resolve conflict: %w", err)
		}
		resolution := "kept"
		if reverse {
			if kind != "field" {
				return backend.Keyed(backend.ECONFLICT, "errors.conflict_not_reversible",
					"Only a field's value can be put back; merged or deleted records stay as they are.")
			}
			e := tx.db.entities[entity]
			var v any
			json.Unmarshal([]byte(lost), &v)
			row, err := tx.rowValues(e, entityID, e.cols)
			if err != nil || row == nil {
				return backend.Keyed(backend.ECONFLICT, "errors.conflict_record_gone", "The record is no longer there.")
			}
			cols, err := e.columns(row, map[string]any{field: columnValue(v)})
			if err != nil {
				return err
			}
			if _, err := tx.storeRow(e, entityID, false, cols); err != nil {
				return err
			}
			if e.afterApply != nil {
				if err := e.afterApply(tx, entityID); err != nil {
					return err
				}
			}
			if err := tx.appendChange(entity, entityID, "upsert", nil); err != nil {
				return err
			}
			resolution = "reversed"
		}
		_, err = tx.Exec(`UPDATE sync_conflicts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?`, ms(tx.now), u.ID, resolution, id)
		return err
	})
}

// AcceptMessages takes over a desktop's outbox messages (server side). The
// outbox id is kept, so a message handed over twice is queued once.
func (db *DB) AcceptMessages(ctx context.Context, msgs []backend.Message) error {
	err := db.update(ctx, func(tx *Tx) error {
		for _, m := range msgs {
			if m.ID == "" || (m.Channel != backend.ChannelEmail && m.Channel != backend.ChannelSMS && m.Channel != backend.ChannelVoice) {
				return backend.Errorf(backend.EINVALID, "A message needs an id and a known channel.")
			}
			res, err := tx.Exec(`INSERT INTO outbox (id, channel, recipient, subject, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				m.ID, m.Channel, m.To, m.Subject, m.Body, ms(m.CreatedAt), ms(tx.now))
			if err != nil {
				return fmt.Errorf("accept message: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				tx.enqueued = true
			}
		}
		return nil
	})
	return err
}

// MayReadFile reports whether a user may fetch a KYC file by its hash:
// staff any that a document names; others those of accounts in their scope.
func (db *DB) MayReadFile(ctx context.Context, u *backend.User, sum string) (bool, error) {
	q := `SELECT count(*) FROM kyc_files WHERE sha256 = ?`
	args := []any{sum}
	if sc := newScope(db.read, u); !sc.all {
		q = `SELECT count(*) FROM kyc_files f JOIN kyc_documents d ON d.id = f.document_id JOIN kyc_cases c ON c.id = d.case_id
			JOIN accounts a ON a.id = c.account_id WHERE f.sha256 = ? AND (a.created_by = ? OR EXISTS (SELECT 1 FROM memberships m
			WHERE m.account_id = a.id AND m.user_id = ? AND m.status = 'active'))`
		args = append(args, u.ID, u.ID)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("may read file: %w", err)
	}
	return n > 0, nil
}

// Acknowledge records the server's answer to a push: applied and duplicate
// changes are the server's now; a refused one is not sent again and stays
// here, with a conflict record saying why, for someone to look at.
func (db *DB) Acknowledge(ctx context.Context, results []ApplyResult) error {
	return db.update(ctx, func(tx *Tx) error {
		// One statement per 500 changes: a first sync acknowledges thousands.
		const chunk = 500
		args := make([]any, 0, chunk+1)
		for start := 0; start < len(results); start += chunk {
			args = append(args[:0], ms(tx.now))
			for _, r := range results[start:min(start+chunk, len(results))] {
				args = append(args, r.ID)
			}
			if _, err := tx.Exec(`UPDATE changes SET pushed_at = ? WHERE pushed_at IS NULL AND id IN (`+placeholders(len(args)-1)+`)`, args...); err != nil {
				return fmt.Errorf("acknowledge: %w", err)
			}
		}
		for _, r := range results {
			if r.Status != ChangeRejected {
				continue
			}
			var entity, entityID, data, hlc string
			if err := tx.QueryRow(`SELECT entity, entity_id, data, hlc FROM changes WHERE id = ?`, r.ID).Scan(&entity, &entityID, &data, &hlc); err != nil {
				return fmt.Errorf("acknowledge: %w", err)
			}
			var lost any
			json.Unmarshal([]byte(data), &lost)
			if err := tx.conflict("rejected", entity, entityID, "", nil, "", lost, hlc, "The server refused this change: "+r.Error); err != nil {
				return err
			}
		}
		return nil
	})
}

// LastSeq is the position of the newest change in the log.
func (db *DB) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("last seq: %w", err)
	}
	return seq, nil
}
