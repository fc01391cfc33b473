package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"gatehouse/backend"
)

// A first sync brings thousands of new records in one batch. Applying them
// one at a time spends most of its time on work that needs no database: decoding
// each change, hashing its values, encoding what the log keeps. prepare does
// that work on the other cores while the write transaction applies the
// changes in order, and preload answers "seen before?" and "new here?" for
// the whole batch with a few queries instead of three per change.

// prepared is what can be known of a change without the database.
type prepared struct {
	wall   int64 // the clock's wall time
	wallOK bool
	data   map[string]any
	bad    error // a rejection for what the data says (after the duplicate check)
	// logged is the data as the log keeps it (json.Marshal of the change's
	// data), valid while apply does not rewrite an id in it.
	logged    string
	loggedErr error
	// hashes of each field's value, for the field clocks.
	hashes map[string]string
	// newCols are the row's columns if the record is new here and every
	// field wins; newErr is why they cannot be built. newIndex is the
	// entity's derived data for such a row (see syncEntity.prepareNew).
	newCols  map[string]any
	newErr   error
	newClock string // the new row's field clocks, encoded
	// partial: the new row would lack a NOT NULL column; else insert and
	// insertArgs store it (derived columns as afterApply would set them).
	partial    bool
	insert     string
	insertArgs []any
	newIndex   *newRowIndex
}

// prepChunk is how many changes a worker prepares at a time: small enough
// that the applier rarely waits, large enough that handing out chunks
// costs nothing.
const prepChunk = 64

type prepBatch struct {
	items []prepared
	done  []chan struct{} // closed when chunk i is prepared
	next  atomic.Int64
	stop  atomic.Bool
}

// prepare starts preparing changes on all cores; get waits for one.
// check runs new records through their form's rules too (a device's push
// on the server, see checkPushed).
func (db *DB) prepare(changes []backend.Change, check bool) *prepBatch {
	chunks := (len(changes) + prepChunk - 1) / prepChunk
	p := &prepBatch{items: make([]prepared, len(changes)), done: make([]chan struct{}, chunks)}
	for i := range p.done {
		p.done[i] = make(chan struct{})
	}
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := keyCache{}
			for {
				c := int(p.next.Add(1) - 1)
				if c >= chunks {
					return
				}
				if !p.stop.Load() {
					for i := c * prepChunk; i < min((c+1)*prepChunk, len(changes)); i++ {
						db.prepareOne(&changes[i], &p.items[i], keys, check)
					}
				}
				close(p.done[c])
			}
		}()
	}
	return p
}

// get returns change i's preparation, waiting for it if need be.
func (p *prepBatch) get(i int) *prepared {
	<-p.done[i/prepChunk]
	return &p.items[i]
}

// abandon tells the workers to skip what is left (the batch failed).
func (p *prepBatch) abandon() { p.stop.Store(true) }

func (db *DB) prepareOne(ch *backend.Change, p *prepared, keys keyCache, check bool) {
	p.wall, p.wallOK = backend.HLCWall(ch.HLC)
	e := db.entities[ch.Entity]
	if e == nil {
		return
	}
	data, err := decodeDataKeys(ch.Data, keys)
	if err != nil {
		p.bad = reject("malformed data: %v", err)
		return
	}
	for k := range data {
		if _, _, ok := e.field(k); !ok && !(strings.HasPrefix(k, "_") && e.hasChild(k[1:])) {
			p.bad = reject("%s has no field %q", e.name, k)
			return
		}
	}
	p.data = data
	if ch.Op != "upsert" {
		return
	}
	// Data that came in as JSON is logged as it came (see apply); data
	// handed over as a map is logged as apply leaves it, so not here.
	if raw, isRaw := ch.Data.(json.RawMessage); isRaw {
		if marshalled(raw) {
			// decodeData found one valid JSON value: json.Marshal would
			// give it back as it is.
			p.logged = string(raw)
		} else {
			var logged []byte
			logged, p.loggedErr = json.Marshal(raw)
			p.logged = string(logged)
		}
	}
	// Hashes and the new row's columns are taken before apply may rewrite
	// a merged id in data; apply uses them only if it did not.
	p.hashes = make(map[string]string, len(data))
	// The winning fields of a new record: all but the child rows, which
	// only a document's first change holds.
	win := data
	if len(e.children) > 0 {
		win = make(map[string]any, len(data))
	}
	var enc map[string][]byte // objects' and lists' JSON, made once for hash and column
	for f, v := range data {
		if strings.HasPrefix(f, "_") {
			continue
		}
		if len(e.children) > 0 {
			win[f] = v
		}
		var j []byte
		switch v.(type) {
		case map[string]any, []any:
			if b, err := appendJSON(nil, v); err == nil {
				if enc == nil {
					enc = map[string][]byte{}
				}
				enc[f], j = b, b
			}
		}
		p.hashes[f] = valueHashEnc(v, j)
	}
	if e.immutable {
		win = data
	}
	if len(win) == 0 {
		return
	}
	if !e.immutable {
		c := rowClock{m: make(map[string]string, len(p.hashes)), h: p.hashes}
		for f := range p.hashes {
			c.m[f] = ch.HLC
		}
		p.newClock = c.encode()
	}
	p.newCols, p.newErr = e.columnsEnc(nil, win, enc)
	if p.newErr != nil || e.immutable {
		return
	}
	if e.prepareNew != nil {
		p.newIndex = e.prepareNew(p.newCols, win, check)
	}
	// What writeNew checks and runs (only the immutable way uses newCols
	// as such, and these are not immutable).
	cols := p.newCols
	for col, nn := range e.notNull {
		if _, ok := cols[col]; nn && !ok && e.colSet[col] {
			p.partial = true
			return
		}
	}
	if p.newIndex != nil {
		for col, v := range p.newIndex.derived {
			cols[col] = v
		}
	}
	p.insert, p.insertArgs = e.insertStatement(cols)
}

// preload reads, for the whole batch, which change ids this node has
// applied before and which records it has never heard of (no row, no field
// clocks, no tombstone): a new record takes apply's short way.
func (a *applier) preload(changes []backend.Change) error {
	a.seen, a.fresh = map[string]bool{}, map[string]bool{}
	const chunk = 500 // well under every engine's limit of bound parameters
	ids := make([]any, 0, chunk)
	for start := 0; start < len(changes); start += chunk {
		ids = ids[:0]
		for _, ch := range changes[start:min(start+chunk, len(changes))] {
			ids = append(ids, ch.ID)
		}
		if err := a.collect(`SELECT id FROM changes WHERE id IN (`+placeholders(len(ids))+`)`, ids, func(id string) { a.seen[id] = true }); err != nil {
			return fmt.Errorf("preload changes: %w", err)
		}
	}
	byEntity := map[string][]string{}
	for _, ch := range changes {
		if e := a.tx.db.entities[ch.Entity]; e != nil && len(e.key) == 1 && ch.Op == "upsert" && !a.seen[ch.ID] {
			byEntity[ch.Entity] = append(byEntity[ch.Entity], ch.EntityID)
		}
	}
	for name, list := range byEntity {
		e := a.tx.db.entities[name]
		known := map[string]bool{}
		for start := 0; start < len(list); start += chunk {
			part := list[start:min(start+chunk, len(list))]
			args := make([]any, 0, len(part)+1)
			for _, id := range part {
				args = append(args, id)
			}
			in := placeholders(len(part))
			if err := a.collect(`SELECT `+e.key[0]+` FROM `+e.table+` WHERE `+e.key[0]+` IN (`+in+`)`, args, func(id string) { known[id] = true }); err != nil {
				return fmt.Errorf("preload %s: %w", name, err)
			}
			if !e.immutable {
				args = append([]any{name}, args...)
				if err := a.collect(`SELECT entity_id FROM row_clocks WHERE entity = ? AND entity_id IN (`+in+`)`, args, func(id string) { known[id] = true }); err != nil {
					return fmt.Errorf("preload %s clocks: %w", name, err)
				}
			}
		}
		for _, id := range list {
			if !known[id] && !noShortWay {
				a.fresh[name+"/"+id] = true
			}
		}
	}
	return nil
}

// noShortWay sends every change the general way; tests set it to compare.
var noShortWay bool

// collect runs a query of one text column and hands each value to fn.
func (a *applier) collect(query string, args []any, fn func(string)) error {
	values, err := a.tx.texts(query, args...)
	for _, v := range values {
		fn(v)
	}
	return err
}

// texts runs a query of one text column and returns its values.
func (tx *Tx) texts(query string, args ...any) ([]string, error) {
	rows, err := tx.Query(query, args...)
	if err != nil {
		return nil, err
	}
	return scanTexts(rows)
}

// scanTexts reads every row of one text column, and closes rows.
func scanTexts(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return "?" + strings.Repeat(", ?", n-1)
}
