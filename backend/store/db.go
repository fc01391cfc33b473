// Package store implements Gatehouse's services over database/sql. Today it
// runs on SQLite (mattn/go-sqlite3); engine-specific SQL is kept to this file.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/mattn/go-sqlite3"

	"gatehouse/backend"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a Gatehouse database. Writes go through a pool of one connection:
// SQLite allows one writer, and queueing writers in Go rather than in
// SQLite's busy handler means a write never fails with "database is locked",
// however many run at once. Reads use their own pool and never wait for
// writes (WAL).
type DB struct {
	write *sql.DB
	read  *sql.DB
	Path  string
	// Now is the clock; tests move it to test expiry.
	Now func() time.Time
	hlc *backend.HLC
	// entities: the tables that sync, by change-log entity name.
	entities map[string]*syncEntity
	// OnEnqueue is called after a commit that queued a message, to nudge
	// the outbox sender.
	OnEnqueue func()
	// OnChange is called after a commit that logged a local change, to
	// nudge the sync loop.
	OnChange func()
}

// Open opens (creating if needed) the SQLite database at path and brings
// its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	params := "_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL"
	w, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	db := &DB{write: w, read: r, Path: path, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	node, err := db.nodeID(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := db.loadSyncEntities(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.hlc = &backend.HLC{Node: node, Now: func() time.Time { return db.Now() }}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations not yet recorded in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad file name %s", base)
		}
		var n int
		if err := db.write.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return fmt.Errorf("migrate: %w", err)
		} else if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, db.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	return nil
}

// nodeID returns this database's id in the hybrid logical clock, made once.
func (db *DB) nodeID(ctx context.Context) (string, error) {
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	if _, err := db.write.ExecContext(ctx, `INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES ('node_id', ?, ?)`, id, db.Now().UnixMilli()); err != nil {
		return "", fmt.Errorf("node id: %w", err)
	}
	if err := db.write.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'node_id'`).Scan(&id); err != nil {
		return "", fmt.Errorf("node id: %w", err)
	}
	return id, nil
}

// Tx is a write transaction. It knows the time it started, so every row it
// writes carries the same time, and it collects change-log entries and
// outbox messages with the business rows.
type Tx struct {
	*sql.Tx
	db       *DB
	now      time.Time
	enqueued bool
	changed  bool // logged a change of its own (not one it applied)
	stmts    map[string]*sql.Stmt
}

// stmt prepares a statement once per transaction: a batch of synced
// changes or an import runs the same few statements thousands of times,
// and preparing is a good part of SQLite's cost. The statements close with
// the transaction.
func (tx *Tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.Tx.Prepare(query)
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// Exec runs a statement, prepared once per transaction.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	st, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.Exec(args...)
}

// Query runs a query, prepared once per transaction.
func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	st, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.Query(args...)
}

// QueryRow runs a one-row query, prepared once per transaction.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	st, err := tx.stmt(query)
	if err != nil {
		// Let the error surface at Scan, as sql.Tx.QueryRow does.
		return tx.Tx.QueryRow(query, args...)
	}
	return st.QueryRow(args...)
}

// update runs fn in a write transaction and commits if fn returns nil.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqltx, db: db, now: db.Now().UTC()}
	if err := fn(tx); err != nil {
		sqltx.Rollback()
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tx.enqueued && db.OnEnqueue != nil {
		db.OnEnqueue()
	}
	if tx.changed && db.OnChange != nil {
		db.OnChange()
	}
	return nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// enqueue puts a message in the outbox, due now.
func (tx *Tx) enqueue(channel, to, subject, body string) error {
	_, err := tx.Exec(`INSERT INTO outbox (id, channel, recipient, subject, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		newID(), channel, to, subject, body, tx.now.UnixMilli(), tx.now.UnixMilli())
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", channel, err)
	}
	tx.enqueued = true
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }
