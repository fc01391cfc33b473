package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/backend"
)

// The change log as a sync protocol. Every business write appends a change
// holding the columns it wrote (appendChange); another node applies it
// column by column: a column takes the value whose hybrid logical clock is
// later, and a value that loses to a concurrent write is kept as a conflict
// record. Applying is idempotent by change id, so a retried push or pull
// never applies a change twice.

// rowClock is what a node knows of one row: for each field the clock of
// its last write and a hash of the value written, so a local write logs
// only the fields whose value it changed.
type rowClock struct {
	m       map[string]string // field -> hlc of its last write
	h       map[string]string // field -> hash of that value
	deleted string            // tombstone hlc, "" if alive
}

func (tx *Tx) loadClock(entity, id string) (rowClock, error) {
	var js string
	c := rowClock{m: map[string]string{}, h: map[string]string{}}
	err := tx.QueryRow(`SELECT clocks, deleted FROM row_clocks WHERE entity = ? AND entity_id = ?`, entity, id).Scan(&js, &c.deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	} else if err != nil {
		return c, fmt.Errorf("clock %s %s: %w", entity, id, err)
	}
	if err := c.decode(js); err != nil {
		return c, fmt.Errorf("clock %s %s: %w", entity, id, err)
	}
	return c, nil
}

func (tx *Tx) saveClock(entity, id string, c rowClock) error {
	return tx.saveClockText(entity, id, c.encode(), c.deleted)
}

func (tx *Tx) saveClockText(entity, id, clocks, deleted string) error {
	_, err := tx.Exec(`INSERT INTO row_clocks (entity, entity_id, clocks, deleted) VALUES (?, ?, ?, ?)
		ON CONFLICT (entity, entity_id) DO UPDATE SET clocks = excluded.clocks, deleted = excluded.deleted`, entity, id, clocks, deleted)
	if err != nil {
		return fmt.Errorf("clock %s %s: %w", entity, id, err)
	}
	return nil
}

// A row's clocks are stored as a JSON object. The first form gave each
// field "hlc#hash"; fields mostly share a clock (a new record's all do), so
// the current form lists the clocks once under "@" and gives each field
// "n:hash", n the clock's place in that list, or just "hash" for the first
// clock. An account's clocks take half the room, which keeps the row in
// its page and out of an overflow page of its own.
const clockList = "@" // never a field: fields are columns or "column.key"

// encode writes the current form, fields in order so equal clocks are equal text.
func (c *rowClock) encode() string {
	if len(c.m) == 0 {
		return "{}" // a tombstone's
	}
	// A row has few distinct clocks (a new record one): slices beat maps.
	var hlcs []string
	var counts []int
	fields := make([]string, 0, len(c.m))
	for f, h := range c.m {
		fields = append(fields, f)
		if i := slices.Index(hlcs, h); i >= 0 {
			counts[i]++
		} else {
			hlcs, counts = append(hlcs, h), append(counts, 1)
		}
	}
	sort.Strings(fields)
	sorted := hlcs
	if len(hlcs) > 1 {
		// The most used clock goes first, as it needs no number.
		order := make([]int, len(hlcs))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(i, j int) bool {
			a, b := order[i], order[j]
			if counts[a] != counts[b] {
				return counts[a] > counts[b]
			}
			return hlcs[a] < hlcs[b]
		})
		sorted = make([]string, len(hlcs))
		for i, o := range order {
			sorted[i] = hlcs[o]
		}
	}
	b := make([]byte, 0, 64+len(fields)*32)
	b = append(b, `{"`+clockList+`":[`...)
	for i, h := range sorted {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, h)
	}
	b = append(b, ']')
	var v []byte
	for _, f := range fields {
		b = append(b, ',')
		b = AppendJSONString(b, f)
		b = append(b, ':')
		v = v[:0]
		if n := slices.Index(sorted, c.m[f]); n > 0 || strings.Contains(c.h[f], ":") {
			v = strconv.AppendInt(v, int64(n), 10)
			v = append(v, ':')
		}
		v = append(v, c.h[f]...)
		b = AppendJSONString(b, string(v))
	}
	b = append(b, '}')
	return string(b)
}

// decode reads either form.
func (c *rowClock) decode(js string) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		return err
	}
	var hlcs []string
	if list, ok := raw[clockList]; ok {
		if err := json.Unmarshal(list, &hlcs); err != nil || len(hlcs) == 0 {
			return fmt.Errorf("clock list %s: %v", list, err)
		}
		delete(raw, clockList)
	}
	for f, r := range raw {
		var v string
		if err := json.Unmarshal(r, &v); err != nil {
			return fmt.Errorf("clock of %s: %w", f, err)
		}
		if hlcs == nil {
			c.m[f], c.h[f], _ = strings.Cut(v, "#")
			continue
		}
		n := 0
		if at, hash, found := strings.Cut(v, ":"); found {
			var err error
			if n, err = strconv.Atoi(at); err != nil || n < 0 || n >= len(hlcs) {
				return fmt.Errorf("clock of %s: %q names no clock", f, v)
			}
			v = hash
		}
		c.m[f], c.h[f] = hlcs[n], v
	}
	return nil
}

// set records a field's new value and clock.
func (c *rowClock) set(field string, v any, hlc string) {
	c.m[field], c.h[field] = hlc, valueHash(v)
}

// valueHash is a short hash of a value: it only has to tell a changed
// value from an unchanged one, so FNV-1a over a typed encoding does (plain
// types skip JSON, which a batch of thousands of rows feels).
func valueHash(v any) string { return valueHashEnc(v, nil) }

// valueHashEnc is valueHash with an object's or list's JSON at hand (nil:
// not at hand).
func valueHashEnc(v any, enc []byte) string {
	h := fnv64{offset64}
	switch x := v.(type) {
	case nil:
		h.add("n")
	case string:
		h.add("s")
		h.add(x)
	case int64:
		h.add("i")
		h.add(strconv.FormatInt(x, 10))
	case bool:
		h.add("b")
		h.add(strconv.FormatBool(x))
	default:
		h.add("j")
		if enc == nil {
			enc, _ = appendJSON(nil, x) // nil on error, as json.Marshal's was
		}
		h.add(string(enc))
	}
	return strconv.FormatUint(h.sum, 36)
}

// fnv64 is hash/fnv's FNV-1a, 64 bits, over strings without copying them
// to bytes (valueHash runs for every field of every change applied).
type fnv64 struct{ sum uint64 }

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

func (h *fnv64) add(s string) {
	for i := 0; i < len(s); i++ {
		h.sum ^= uint64(s[i])
		h.sum *= prime64
	}
}

// appendChange records a business write in the change log, in the write's
// transaction. The change holds the row's fields whose value differs from
// the last one logged or applied here (all of them for a new row), read
// back from the row itself, so the log says exactly what was stored. data
// is what the caller changed, kept for reading the code: the row is the
// truth. op "delete" of an entity without a soft-delete column is a
// tombstone.
func (tx *Tx) appendChange(entity, entityID, op string, data any) error {
	e := tx.db.entities[entity]
	if e == nil {
		return fmt.Errorf("change %s: not a synced entity", entity)
	}
	_ = data
	if e.immutable {
		row, err := tx.rowValues(e, entityID, e.cols)
		if err != nil || row == nil {
			return fmt.Errorf("change %s %s: the row is not there (%v)", entity, entityID, err)
		}
		return tx.logChange(backend.Change{ID: newID(), Entity: entity, EntityID: entityID, Op: "upsert", Data: row, HLC: tx.db.hlc.Next()}, "", false)
	}
	c, err := tx.loadClock(entity, entityID)
	if err != nil {
		return err
	}
	hlc := tx.db.hlc.Next()
	base := map[string]string{}
	changed := map[string]any{}
	if op == "delete" && e.softDelete == "" {
		c.m, c.h, c.deleted = map[string]string{}, map[string]string{}, hlc
	} else {
		op = "upsert"
		row, err := tx.rowValues(e, entityID, e.cols)
		if err != nil || row == nil {
			return fmt.Errorf("change %s %s: the row is not there (%v)", entity, entityID, err)
		}
		fields, err := e.flatten(row)
		if err != nil {
			return err
		}
		fresh := len(c.m) == 0
		for f, v := range fields {
			if !fresh && c.h[f] == valueHash(v) {
				continue
			}
			changed[f] = v
			if h := c.m[f]; h != "" {
				base[f] = h
			}
			c.set(f, v, hlc)
		}
		if len(changed) == 0 {
			return nil // rewritten with the same values: nothing to tell
		}
		if fresh {
			if err := tx.childValues(e, entityID, changed); err != nil {
				return err
			}
		}
	}
	if err := tx.saveClock(entity, entityID, c); err != nil {
		return err
	}
	return tx.logChange(backend.Change{ID: newID(), Entity: entity, EntityID: entityID, Op: op, Data: changed, HLC: hlc, Base: base}, "", false)
}

// logChange writes a change to this node's log. pushed marks one that came
// from elsewhere (a desktop never pushes it back); origin is the device that
// pushed it to this server.
func (tx *Tx) logChange(ch backend.Change, origin string, pushed bool) error {
	data, err := json.Marshal(ch.Data)
	if err != nil {
		return fmt.Errorf("change %s: %w", ch.Entity, err)
	}
	return tx.logChangeData(ch, string(data), origin, pushed)
}

// logChangeData is logChange with the data already encoded.
func (tx *Tx) logChangeData(ch backend.Change, data string, origin string, pushed bool) error {
	base, _ := json.Marshal(ch.Base)
	if ch.Base == nil {
		base = []byte("{}")
	}
	tx.logged = true
	var pushedAt any
	if pushed {
		pushedAt = ms(tx.now)
	} else if origin == "" {
		tx.changed = true
	}
	_, err := tx.Exec(`INSERT INTO changes (id, entity, entity_id, op, data, hlc, created_at, pushed_at, origin, base) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ch.ID, ch.Entity, ch.EntityID, ch.Op, data, ch.HLC, ms(tx.now), pushedAt, origin, string(base))
	if err != nil {
		return fmt.Errorf("change %s: %w", ch.Entity, err)
	}
	return nil
}

// rowValues reads columns of one row; nil when the row does not exist.
func (tx *Tx) rowValues(e *syncEntity, id string, cols []string) (map[string]any, error) {
	where, args, err := e.keyWhere(id)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(`SELECT `+strings.Join(cols, ", ")+` FROM `+e.table+` WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(cols))
	for i, c := range cols {
		if b, ok := vals[i].([]byte); ok {
			vals[i] = string(b)
		}
		out[c] = vals[i]
	}
	return out, rows.Err()
}

// childValues adds the rows a parent owns (a document's files) under
// "_<table>".
func (tx *Tx) childValues(e *syncEntity, id string, values map[string]any) error {
	for _, ch := range e.children {
		rows, err := tx.Query(`SELECT `+strings.Join(ch.cols, ", ")+` FROM `+ch.table+` WHERE `+ch.parentCol+` = ?`, id)
		if err != nil {
			return fmt.Errorf("children of %s: %w", id, err)
		}
		var list []map[string]any
		for rows.Next() {
			vals := make([]any, len(ch.cols))
			ptrs := make([]any, len(ch.cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			m := map[string]any{}
			for i, c := range ch.cols {
				m[c] = vals[i]
			}
			list = append(list, m)
		}
		rows.Close()
		if list != nil {
			values["_"+ch.table] = list
		}
	}
	return nil
}

// ApplyOptions say how a node applies changes that came from elsewhere.
type ApplyOptions struct {
	// Origin records where the changes came from: the pushing device on
	// the server, "server" on a desktop ("" is this node's own writes).
	Origin string
	// FromServer: a desktop applying pulled changes. The server's order is
	// the truth: its record wins a unique key, and applied changes are
	// marked pushed so they never go back.
	FromServer bool
	// User is the pushing device's user; the server checks each change
	// against their role (nil: no check, a desktop trusting its server).
	User *backend.User
	// MaxSkew refuses a change stamped this far in the future (0: no check).
	MaxSkew time.Duration
}

// Applied results.
const (
	ChangeApplied   = "applied"
	ChangeDuplicate = "duplicate" // applied before: a retry
	ChangeRejected  = "rejected"  // refused; Error says why, nothing changed
)

// ApplyResult is what happened to one change.
type ApplyResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// rejection is a change refused for what it says, not for a failure here.
type rejection struct{ reason string }

func (r *rejection) Error() string { return r.reason }

func reject(format string, args ...any) error { return &rejection{fmt.Sprintf(format, args...)} }

// MaxBatch is the most changes one push or pull carries.
const MaxBatch = 5000

// ApplyChanges applies a batch in one transaction: all of it commits, or
// (on a failure here, not a refused change) none of it. A refused change
// changes nothing and is reported; the others still apply.
func (db *DB) ApplyChanges(ctx context.Context, changes []backend.Change, opt ApplyOptions) ([]ApplyResult, error) {
	if len(changes) > MaxBatch {
		return nil, backend.Errorf(backend.EINVALID, "A batch holds at most %d changes; this one has %d.", MaxBatch, len(changes))
	}
	results := make([]ApplyResult, len(changes))
	// A pushed change that leaves a record its form would refuse is
	// refused: the batch is rolled back and applied again without the
	// last change to each such record (each round drops at least one, and
	// a batch from Gatehouse's own screens passes the first time).
	refused := map[int]string{}
	for {
		var keep []int
		var batch []backend.Change
		for i, ch := range changes {
			if _, ok := refused[i]; !ok {
				keep = append(keep, i)
				batch = append(batch, ch)
			}
		}
		res, bad, err := db.applyBatch(ctx, batch, opt)
		if err != nil {
			return nil, err
		}
		for j, msg := range bad {
			refused[keep[j]] = msg
		}
		if len(bad) > 0 {
			continue
		}
		for j, r := range res {
			results[keep[j]] = r
		}
		break
	}
	for i, msg := range refused {
		results[i] = ApplyResult{ID: changes[i].ID, Status: ChangeRejected, Error: msg}
	}
	return results, nil
}

// applyBatch applies changes in one transaction. When the pusher's
// changes leave a record that breaks its form's rules (checkPushed), it
// rolls back and returns, by index, the last change to each such record.
func (db *DB) applyBatch(ctx context.Context, changes []backend.Change, opt ApplyOptions) ([]ApplyResult, map[int]string, error) {
	results := make([]ApplyResult, len(changes))
	var bad map[int]string
	prep := db.prepare(changes, opt.User != nil)
	defer prep.abandon()
	errInvalid := errors.New("pushed records break their rules")
	err := db.update(ctx, func(tx *Tx) error {
		a := applier{tx: tx, opt: opt, aliases: map[string]string{}, touched: map[[2]string][]int{}}
		if err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM sync_aliases)`).Scan(&a.anyAlias); err != nil {
			return err
		}
		if err := a.preload(changes); err != nil {
			return err
		}
		for i, ch := range changes {
			results[i].ID = ch.ID
			a.cur, a.prechecked = i, false
			status, err := a.apply(ch, prep.get(i))
			var r *rejection
			switch {
			case errors.As(err, &r):
				results[i].Status, results[i].Error = ChangeRejected, r.reason
			case err != nil:
				return fmt.Errorf("apply %s %s %s: %w", ch.Entity, ch.EntityID, ch.ID, err)
			default:
				results[i].Status = status
			}
		}
		if opt.User == nil {
			return nil // a desktop trusts its server
		}
		for rec, idx := range a.touched {
			msg, err := tx.checkPushed(rec[0], rec[1])
			if err != nil {
				return fmt.Errorf("check %s %s: %w", rec[0], rec[1], err)
			}
			if msg == "" {
				continue
			}
			if bad == nil {
				bad = map[int]string{}
			}
			// The last change to the record takes the blame: without it,
			// the next round finds out whether the earlier ones stand.
			bad[idx[len(idx)-1]] = msg
		}
		if bad != nil {
			return errInvalid
		}
		return nil
	})
	if errors.Is(err, errInvalid) {
		return nil, bad, nil
	} else if err != nil {
		return nil, nil, err
	}
	return results, nil, nil
}

type applier struct {
	tx      *Tx
	opt     ApplyOptions
	aliases map[string]string // entity/from -> to, cached for the batch
	// anyAlias: this node has merged records at all; most never do, and
	// then no id needs looking up.
	anyAlias bool
	// seen holds the batch's change ids this node has logged: those logged
	// before the batch (see preload) and those logged since.
	seen map[string]bool
	// fresh holds "entity/id" of records this node had no trace of when the
	// batch began and that no change of the batch has touched since.
	fresh map[string]bool
	// touched lists, by record (entity, id), the changes of the batch
	// applied to it; cur is the change being applied.
	touched map[[2]string][]int
	cur     int
	// prechecked: the change being applied made a new record that passed
	// its rules when the batch was prepared (writeNew), so checkPushed
	// need not read it back unless another change touches it.
	prechecked bool
}

// alias follows a merged id to the record it became.
func (a *applier) alias(entity, id string) (string, error) {
	k := entity + "/" + id
	if to, ok := a.aliases[k]; ok || !a.anyAlias {
		if !ok {
			to = id
		}
		return to, nil
	}
	to := id
	err := a.tx.QueryRow(`SELECT to_id FROM sync_aliases WHERE entity = ? AND from_id = ?`, entity, id).Scan(&to)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	a.aliases[k] = to
	return to, nil
}

func (a *applier) apply(ch backend.Change, p *prepared) (string, error) {
	tx := a.tx
	e := tx.db.entities[ch.Entity]
	switch {
	case e == nil:
		return "", reject("unknown entity %q", ch.Entity)
	case len(ch.ID) == 0 || len(ch.ID) > 64:
		return "", reject("a change needs an id of 1 to 64 characters")
	case ch.EntityID == "" || len(ch.EntityID) > 200:
		return "", reject("a change needs a record id of 1 to 200 characters")
	case ch.Op != "upsert" && ch.Op != "delete" && ch.Op != "merge":
		return "", reject("unknown operation %q", ch.Op)
	}
	wall := p.wall
	if !p.wallOK {
		return "", reject("malformed clock %q", ch.HLC)
	}
	if a.opt.MaxSkew > 0 && time.UnixMilli(wall).After(tx.now.Add(a.opt.MaxSkew)) {
		return "", reject("the device's clock is %s ahead of the server's; set the clock and sync again",
			time.UnixMilli(wall).Sub(tx.now).Round(time.Second))
	}
	if a.seen[ch.ID] {
		return ChangeDuplicate, nil
	}
	if p.bad != nil {
		return "", p.bad
	}
	data := p.data
	var err error
	// Whatever becomes of this change, its record is no longer one the
	// batch began without.
	defer delete(a.fresh, e.name+"/"+ch.EntityID)
	if ch.Op == "merge" {
		return a.applyMerge(e, ch, data)
	}
	if ch.Op == "delete" && e.softDelete != "" {
		// Such records stay for the history; removing one sets a field.
		return "", reject("a %s is never deleted; set %s instead", e.name, e.softDelete)
	}
	// Follow merged ids, in the record's own id and in what it names.
	remapped := false
	for col, target := range e.refs {
		if s, ok := data[col].(string); ok {
			to, err := a.alias(target, s)
			if err != nil {
				return "", err
			}
			if to != s {
				data[col], remapped = to, true
			}
		}
	}
	id := ch.EntityID
	if len(e.key) == 1 {
		if id, err = a.alias(e.name, id); err != nil {
			return "", err
		}
		if v, ok := data[e.key[0]]; ok && v != ch.EntityID {
			return "", reject("the record's id and its key disagree")
		}
		if _, ok := data[e.key[0]]; ok {
			data[e.key[0]] = id
		}
	} else {
		parts := strings.Split(id, "/")
		if len(parts) != len(e.key) {
			return "", reject("%s id %q: want %d parts", e.name, id, len(e.key))
		}
		for i, k := range e.key {
			if target, ok := e.refs[k]; ok {
				if parts[i], err = a.alias(target, parts[i]); err != nil {
					return "", err
				}
			}
			if v, ok := data[k]; ok && v != parts[i] {
				data[k], remapped = parts[i], true
			}
		}
		id = strings.Join(parts, "/")
	}
	remapped = remapped || id != ch.EntityID
	if e.name == "setting" && id != "password_policy" {
		return "", reject("setting %q does not sync", id)
	}
	// What prepare worked out holds unless an id in the data was rewritten.
	if remapped {
		p = &prepared{}
		defer delete(a.fresh, e.name+"/"+id) // the record the change went to
	}
	fresh := !remapped && ch.Op == "upsert" && a.fresh[e.name+"/"+id]
	if a.opt.User != nil {
		if err := tx.mayPush(a.opt.User, e, id, data, fresh); err != nil {
			return "", err
		}
	}
	tx.db.hlc.Observe(ch.HLC)
	// The log keeps the change as it came unless an id in it was merged:
	// re-encoding thousands of changes is a good part of a first sync.
	if _, isRaw := ch.Data.(json.RawMessage); !isRaw || remapped {
		ch.Data = data
	}
	ch.EntityID = id
	absorbed, err := a.write(e, &ch, data, p, fresh)
	if err != nil {
		return "", err
	}
	if absorbed {
		// Kept for its id (a retry is a duplicate), never pulled: the
		// record it created lives on as the one it merged into.
		ch.Op = "absorbed"
	}
	if p.logged != "" && p.loggedErr == nil {
		err = tx.logChangeData(ch, p.logged, a.opt.Origin, a.opt.FromServer)
	} else {
		err = tx.logChange(ch, a.opt.Origin, a.opt.FromServer)
	}
	if err != nil {
		return "", err
	}
	a.seen[ch.ID] = true
	if a.touched != nil && !absorbed && !a.prechecked {
		k := [2]string{e.name, ch.EntityID}
		a.touched[k] = append(a.touched[k], a.cur)
	}
	return ChangeApplied, nil
}

// write applies one upsert or delete to the row, field by field. absorbed
// reports a new record that merged into an existing one (see claimUnique).
// p is the change's preparation (empty if it does not apply); fresh says
// the record is new here.
func (a *applier) write(e *syncEntity, ch *backend.Change, data map[string]any, p *prepared, fresh bool) (absorbed bool, err error) {
	tx := a.tx
	id := ch.EntityID
	if e.immutable {
		// Written once: the first copy to arrive is the record.
		if ch.Op != "upsert" {
			return false, reject("%s records are never changed or deleted", e.name)
		}
		if !fresh {
			row, err := tx.rowValues(e, id, e.key)
			if err != nil || row != nil {
				return false, err
			}
		}
		for col, nn := range e.notNull {
			if _, ok := data[col]; nn && !ok && e.colSet[col] {
				return false, reject("%s %s is not known here and the change does not hold all of it", e.name, id)
			}
		}
		cols, err := p.newCols, p.newErr
		if cols == nil && err == nil {
			cols, err = e.columns(nil, data)
		}
		if err != nil {
			return false, reject("%v", err)
		}
		_, err = tx.storeRow(e, id, true, cols)
		return false, err
	}
	if fresh {
		return a.writeNew(e, ch, data, p)
	}
	c, err := tx.loadClock(e.name, id)
	if err != nil {
		return false, err
	}
	if c.deleted != "" {
		// Deletes are final: a later edit of a deleted record is kept for
		// review, not applied.
		return false, tx.conflict("deleted", e.name, id, "", nil, c.deleted, data, ch.HLC, "The record was deleted on another device.")
	}
	row, err := tx.rowValues(e, id, e.cols)
	if err != nil {
		return false, err
	}
	if ch.Op == "delete" {
		for _, h := range c.m {
			if h > ch.HLC {
				return false, tx.conflict("deleted", e.name, id, "", row, h, nil, ch.HLC, "A later edit kept the record that another device deleted.")
			}
		}
		if row != nil {
			where, args, _ := e.keyWhere(id)
			if _, err := tx.Exec(`DELETE FROM `+e.table+` WHERE `+where, args...); err != nil {
				return false, err
			}
		}
		c.m, c.h, c.deleted = map[string]string{}, map[string]string{}, ch.HLC
		return false, tx.saveClock(e.name, id, c)
	}
	if row == nil && e.unique != "" {
		if merged, absorbed, err := a.claimUnique(e, ch, data); err != nil || merged {
			return absorbed, err
		}
	}
	var cur map[string]any
	if row != nil {
		if cur, err = e.flatten(row); err != nil {
			return false, err
		}
	}
	win := map[string]any{}
	for f, v := range data {
		if strings.HasPrefix(f, "_") {
			continue
		}
		h := c.m[f]
		old, had := cur[f]
		review := reviewable(f) && !contains(e.derived, f)
		switch {
		case ch.HLC > h:
			win[f] = v
			// Overwriting a value the writer never saw: keep it for review.
			if review && had && h != "" && ch.Base[f] != h && !sameValue(old, v) {
				if err := tx.conflict("field", e.name, id, f, v, ch.HLC, old, h, ""); err != nil {
					return false, err
				}
			}
		case ch.HLC < h && row != nil && review && !sameValue(old, v):
			if err := tx.conflict("field", e.name, id, f, old, h, v, ch.HLC, ""); err != nil {
				return false, err
			}
		}
	}
	if len(win) == 0 {
		return false, nil
	}
	cols, err := e.columns(row, win)
	if err != nil {
		return false, reject("%v", err)
	}
	if row == nil {
		for col, nn := range e.notNull {
			if _, ok := cols[col]; nn && !ok && e.colSet[col] {
				return false, reject("%s %s is not known here and the change does not hold all of it", e.name, id)
			}
		}
	}
	if _, err := tx.storeRow(e, id, row == nil, cols); err != nil {
		return false, err
	}
	for f, v := range win {
		if h, ok := p.hashes[f]; ok {
			c.m[f], c.h[f] = ch.HLC, h
		} else {
			c.set(f, v, ch.HLC)
		}
	}
	if err := a.writeChildren(e, id, data); err != nil {
		return false, err
	}
	if err := tx.saveClock(e.name, id, c); err != nil {
		return false, err
	}
	if e.afterApply != nil {
		return false, e.afterApply(tx, id)
	}
	return false, nil
}

// writeNew stores a record this node had no trace of when the batch began
// (no row, no field clocks, no tombstone): what write does for one, without
// asking the database what it knows, since it knows nothing. Every field
// wins, and there is nothing to be in conflict with.
func (a *applier) writeNew(e *syncEntity, ch *backend.Change, data map[string]any, p *prepared) (absorbed bool, err error) {
	tx := a.tx
	id := ch.EntityID
	if e.unique != "" {
		if merged, absorbed, err := a.claimUnique(e, ch, data); err != nil || merged {
			return absorbed, err
		}
	}
	if len(p.hashes) == 0 {
		return false, nil // no field to write
	}
	if p.newErr != nil {
		return false, reject("%v", p.newErr)
	}
	if p.partial {
		return false, reject("%s %s is not known here and the change does not hold all of it", e.name, id)
	}
	if p.newIndex != nil && p.newIndex.checked {
		// Checked while the batch was prepared: the whole record is here.
		if p.newIndex.problem != "" {
			return false, reject("%s %s: %s", e.name, id, p.newIndex.problem)
		}
		a.prechecked = true
	}
	res, err := tx.insertRow(e, id, p.insert, p.insertArgs)
	if err != nil {
		return false, err
	}
	if err := a.writeChildren(e, id, data); err != nil {
		return false, err
	}
	if err := tx.saveClockText(e.name, id, p.newClock, ""); err != nil {
		return false, err
	}
	if p.newIndex != nil {
		return false, e.afterInsert(tx, id, res, p.newIndex)
	}
	if e.afterApply != nil {
		return false, e.afterApply(tx, id)
	}
	return false, nil
}

// columns turns winning fields into column values: a JSON column is the
// row's object with the winning keys set.
func (e *syncEntity) columns(row map[string]any, win map[string]any) (map[string]any, error) {
	return e.columnsEnc(row, win, nil)
}

// columnsEnc is columns with some fields' values already in JSON (enc).
func (e *syncEntity) columnsEnc(row map[string]any, win map[string]any, enc map[string][]byte) (map[string]any, error) {
	cols := map[string]any{}
	objs := map[string]map[string]any{}
	for f, v := range win {
		col, sub, _ := e.field(f)
		if sub == "" {
			cols[col] = v
			continue
		}
		obj, ok := objs[col]
		if !ok {
			obj = map[string]any{}
			if s, isStr := row[col].(string); isStr && s != "" {
				if err := json.Unmarshal([]byte(s), &obj); err != nil {
					return nil, fmt.Errorf("%s.%s holds no JSON object: %w", e.name, col, err)
				}
			}
			objs[col] = obj
		}
		obj[sub] = v
	}
	for col, obj := range objs {
		b, err := appendObject(obj, col+".", enc)
		if err != nil {
			return nil, err
		}
		cols[col] = string(b)
	}
	return cols, nil
}

// appendObject is appendJSON of obj, taking the JSON of obj[k] from
// enc[prefix+k] where it is there.
func appendObject(obj map[string]any, prefix string, enc map[string][]byte) ([]byte, error) {
	if len(enc) == 0 {
		return appendJSON(nil, obj)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k)
		b = append(b, ':')
		if j, ok := enc[prefix+k]; ok {
			b = append(b, j...)
			continue
		}
		var err error
		if b, err = appendJSON(b, obj[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// insertStatement is the statement and arguments that insert a row.
func (e *syncEntity) insertStatement(cols map[string]any) (string, []any) {
	var set uint64
	known := len(e.colBit) > 0
	for col := range cols {
		bit, ok := e.colBit[col]
		if !ok {
			known = false
			break
		}
		set |= 1 << bit
	}
	var shape *insertShape
	if v, ok := e.inserts.Load(set); known && ok {
		shape = v.(*insertShape)
	} else {
		names := make([]string, 0, len(cols))
		for col := range cols {
			names = append(names, col)
		}
		sort.Strings(names)
		shape = &insertShape{names: names,
			query: `INSERT INTO ` + e.table + ` (` + strings.Join(names, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(names)-1) + `)`}
		if known {
			e.inserts.Store(set, shape)
		}
	}
	args := make([]any, len(shape.names))
	for i, col := range shape.names {
		args[i] = cols[col]
	}
	return shape.query, args
}

// storeRow inserts or updates one row's columns.
func (tx *Tx) storeRow(e *syncEntity, id string, insert bool, cols map[string]any) (sql.Result, error) {
	if insert {
		query, args := e.insertStatement(cols)
		return tx.insertRow(e, id, query, args)
	}
	names := make([]string, 0, len(cols))
	for col := range cols {
		names = append(names, col)
	}
	sort.Strings(names)
	args := make([]any, 0, len(names)+len(e.key))
	for _, col := range names {
		args = append(args, cols[col])
	}
	sets := make([]string, len(names))
	for i, col := range names {
		sets[i] = col + " = ?"
	}
	where, keyArgs, _ := e.keyWhere(id)
	var res sql.Result
	err := tx.guarded(func() (err error) {
		res, err = tx.Exec(`UPDATE `+e.table+` SET `+strings.Join(sets, ", ")+` WHERE `+where, append(args, keyArgs...)...)
		return err
	})
	if err != nil {
		return nil, reject("%s %s cannot be stored: %v", e.name, id, err)
	}
	return res, nil
}

// insertRow runs a row's insertStatement.
func (tx *Tx) insertRow(e *syncEntity, id, query string, args []any) (sql.Result, error) {
	var res sql.Result
	err := tx.guarded(func() (err error) {
		res, err = tx.Exec(query, args...)
		return err
	})
	if err != nil {
		return nil, reject("%s %s cannot be stored: %v", e.name, id, err)
	}
	return res, nil
}

func (a *applier) writeChildren(e *syncEntity, id string, data map[string]any) error {
	for _, ch := range e.children {
		list, _ := data["_"+ch.table].([]any)
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return reject("malformed %s", ch.table)
			}
			m[ch.parentCol] = id
			args := make([]any, len(ch.cols))
			for i, c := range ch.cols {
				args[i] = m[c]
			}
			if err := a.tx.guarded(func() error {
				_, err := a.tx.Exec(`INSERT INTO `+ch.table+` (`+strings.Join(ch.cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(ch.cols)-1)+`) ON CONFLICT DO NOTHING`, args...)
				return err
			}); err != nil {
				return reject("%s of %s cannot be stored: %v", ch.table, id, err)
			}
		}
	}
	return nil
}

// claimUnique handles a new record whose unique value (an email) another
// record already holds: two desktops registered the same person offline.
// On the server the first record stays and the newcomer merges into it; a
// desktop follows the server, so its own record merges into the incoming
// one. Either way both become one, and a conflict record says so.
func (a *applier) claimUnique(e *syncEntity, ch *backend.Change, data map[string]any) (merged, absorbed bool, err error) {
	tx := a.tx
	v, ok := data[e.unique]
	if !ok {
		return false, false, nil
	}
	var other string
	err = tx.QueryRow(`SELECT `+e.key[0]+` FROM `+e.table+` WHERE `+e.unique+` = ?`, v).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) || other == ch.EntityID {
		return false, false, nil
	} else if err != nil {
		return false, false, err
	}
	newcomer := ch.EntityID
	detail := fmt.Sprintf("Two devices created a %s with the same %s (%v) while offline; they are now one record.", e.name, e.unique, v)
	if a.opt.FromServer {
		// Free the value, store the incoming record, then fold ours into it.
		where, args, _ := e.keyWhere(other)
		if _, err := tx.Exec(`UPDATE `+e.table+` SET `+e.unique+` = `+e.unique+` || '#merging' WHERE `+where, args...); err != nil {
			return false, false, err
		}
		if err := a.mergeRecords(e, other, newcomer, ch.HLC, detail, func() error {
			return a.insertNew(e, ch, data)
		}); err != nil {
			return false, false, err
		}
		return true, false, nil
	}
	// Server: the record that arrived first wins; the newcomer's values are
	// kept as the conflict's lost side, and its later changes follow the alias.
	if err := a.recordAlias(e, newcomer, other); err != nil {
		return false, false, err
	}
	if err := tx.conflict("unique", e.name, other, e.unique, other, "", data, ch.HLC, detail); err != nil {
		return false, false, err
	}
	// Desktops that hold the newcomer learn of the merge from the log.
	return true, true, tx.logChange(backend.Change{ID: newID(), Entity: e.name, EntityID: newcomer,
		Op: "merge", Data: map[string]any{"into": other}, HLC: tx.db.hlc.Next()}, "", false)
}

// insertNew stores a record whose every field wins (it is new here).
func (a *applier) insertNew(e *syncEntity, ch *backend.Change, data map[string]any) error {
	c := rowClock{m: map[string]string{}, h: map[string]string{}}
	win := map[string]any{}
	for f, v := range data {
		if !strings.HasPrefix(f, "_") {
			win[f] = v
			c.set(f, v, ch.HLC)
		}
	}
	cols, err := e.columns(nil, win)
	if err != nil {
		return reject("%v", err)
	}
	if _, err := a.tx.storeRow(e, ch.EntityID, true, cols); err != nil {
		return err
	}
	if err := a.writeChildren(e, ch.EntityID, data); err != nil {
		return err
	}
	if err := a.tx.saveClock(e.name, ch.EntityID, c); err != nil {
		return err
	}
	if e.afterApply != nil {
		return e.afterApply(a.tx, ch.EntityID)
	}
	return nil
}

// applyMerge follows the server's decision that one record became another.
func (a *applier) applyMerge(e *syncEntity, ch backend.Change, data map[string]any) (string, error) {
	into, _ := data["into"].(string)
	if into == "" || len(e.key) != 1 {
		return "", reject("a merge names the record it merges into")
	}
	tx := a.tx
	if a.opt.User != nil {
		return "", reject("only the server merges records")
	}
	cur, err := tx.rowValues(e, ch.EntityID, e.key)
	if err != nil {
		return "", err
	}
	target, err := tx.rowValues(e, into, e.key)
	if err != nil {
		return "", err
	}
	if cur != nil && target != nil {
		if err := a.mergeRecords(e, ch.EntityID, into, ch.HLC, "", nil); err != nil {
			return "", err
		}
	} else if err := a.recordAlias(e, ch.EntityID, into); err != nil {
		return "", err
	}
	if err := tx.logChange(ch, a.opt.Origin, a.opt.FromServer); err != nil {
		return "", err
	}
	a.seen[ch.ID] = true
	return ChangeApplied, nil
}

func (a *applier) recordAlias(e *syncEntity, from, to string) error {
	a.aliases[e.name+"/"+from] = to
	a.anyAlias = true
	// A merge moves rows between records (a membership follows its user):
	// what the batch knew of new records no longer holds.
	clear(a.fresh)
	_, err := a.tx.Exec(`INSERT INTO sync_aliases (entity, from_id, to_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (entity, from_id) DO UPDATE SET to_id = excluded.to_id, created_at = excluded.created_at`, e.name, from, to, ms(a.tx.now))
	return err
}

// localRefs are columns outside the synced tables that name a user.
var localRefs = map[string][][2]string{
	"user": {{"sessions", "user_id"}, {"tokens", "user_id"}, {"phone_verifications", "user_id"}, {"devices", "user_id"}},
}

// mergeRecords folds record from into record to: everything naming from
// names to, from is removed, and later changes naming from follow an alias.
// store, when set, writes the surviving record first. A conflict record
// keeps from's values.
func (a *applier) mergeRecords(e *syncEntity, from, to, hlc, detail string, store func() error) error {
	tx := a.tx
	lost, err := tx.rowValues(e, from, e.cols)
	if err != nil {
		return err
	}
	if store != nil {
		if err := store(); err != nil {
			return err
		}
	}
	for _, other := range tx.db.entities {
		for col, target := range other.refs {
			if target != e.name {
				continue
			}
			// A row that would collide (the same membership twice) keeps
			// the survivor's copy.
			if err := tx.repoint(other.table, col, from, to); err != nil {
				return err
			}
			if _, err := tx.Exec(`DELETE FROM `+other.table+` WHERE `+col+` = ?`, from); err != nil {
				return err
			}
		}
	}
	for _, ref := range localRefs[e.name] {
		if err := tx.repoint(ref[0], ref[1], from, to); err != nil {
			return err
		}
	}
	where, args, _ := e.keyWhere(from)
	if _, err := tx.Exec(`DELETE FROM `+e.table+` WHERE `+where, args...); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM row_clocks WHERE entity = ? AND entity_id = ?`, e.name, from); err != nil {
		return err
	}
	if err := a.recordAlias(e, from, to); err != nil {
		return err
	}
	if detail == "" {
		detail = fmt.Sprintf("This %s was created twice while offline; the copies are now one record.", e.name)
	}
	if e.unique != "" && lost != nil {
		lost[e.unique] = strings.TrimSuffix(fmt.Sprint(lost[e.unique]), "#merging")
	}
	return tx.conflict("unique", e.name, to, e.unique, to, hlc, lost, "", detail)
}

// conflict keeps a value that lost (or a record that did) for review.
func (tx *Tx) conflict(kind, entity, id, field string, kept any, keptHLC string, lost any, lostHLC, detail string) error {
	k, _ := json.Marshal(kept)
	l, _ := json.Marshal(redact(lost))
	_, err := tx.Exec(`INSERT INTO sync_conflicts (id, kind, entity, entity_id, field, kept_value, kept_hlc, lost_value, lost_hlc, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, newID(), kind, entity, id, field, string(k), keptHLC, string(l), lostHLC, detail, ms(tx.now))
	if err != nil {
		return fmt.Errorf("conflict %s %s: %w", entity, id, err)
	}
	return nil
}

// reviewable: bookkeeping and secrets are not worth a person's review.
func reviewable(col string) bool {
	switch col {
	case "updated_at", "created_at", "password_hash":
		return false
	}
	return true
}

// redact drops password hashes from a record kept for review.
func redact(v any) any {
	if m, ok := v.(map[string]any); ok {
		if _, has := m["password_hash"]; has {
			c := make(map[string]any, len(m))
			for k, x := range m {
				if k != "password_hash" {
					c[k] = x
				}
			}
			return c
		}
	}
	return v
}

func (e *syncEntity) hasChild(table string) bool {
	for _, c := range e.children {
		if c.table == table {
			return true
		}
	}
	return false
}

// decodeData turns a change's data into column values: numbers become
// int64 where they are whole (SQLite stores times as integers).
func decodeData(v any) (map[string]any, error) { return decodeDataKeys(v, nil) }

// decodeDataKeys is decodeData sharing key strings through keys (nil: not).
func decodeDataKeys(v any, keys keyCache) (map[string]any, error) {
	var raw []byte
	switch d := v.(type) {
	case nil:
		return map[string]any{}, nil
	case json.RawMessage:
		raw = d
	case map[string]any:
		var err error
		if raw, err = json.Marshal(d); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("data is %T", v)
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return map[string]any{}, nil
	}
	if m, ok := decodeObjectKeys(raw, keys); ok {
		return m, nil
	}
	return decodeDataSlow(raw)
}

// decodeDataSlow is decodeData through encoding/json, for what the fast
// decoder does not take (and for its tests to compare with).
func decodeDataSlow(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		// The log could not keep it (it keeps valid JSON).
		return nil, errors.New("more than one JSON value")
	}
	for k, x := range m {
		m[k] = columnValue(x)
	}
	return m, nil
}

func columnValue(x any) any {
	switch v := x.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = columnValue(v[i])
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = columnValue(v[k])
		}
		return v
	case string, bool, nil:
		return v
	}
	return fmt.Sprint(x)
}

func sameValue(a, b any) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}
