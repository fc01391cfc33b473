// Package store implements Gatehouse's services over database/sql, on
// SQLite (mattn/go-sqlite3: the desktop, and a one-machine server) or
// PostgreSQL (jackc/pgx: servers that share one database). What differs
// between the two is kept to engine.go, Open and the migrations.
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
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"gatehouse/backend"
)

// migrations are SQLite's; migrations_pg PostgreSQL's, numbered alike. A
// PostgreSQL database starts at 0007, which makes the schema SQLite
// reached through 0001-0007; a new migration gets a file in each.
//
//go:embed migrations/*.sql migrations_pg/*.sql
var migrations embed.FS

// DB is a Gatehouse database. On SQLite, writes go through a pool of one
// connection: SQLite allows one writer, and queueing writers in Go rather
// than in SQLite's busy handler means a write never fails with "database
// is locked", however many run at once; reads use their own pool and never
// wait for writes (WAL). On PostgreSQL one pool serves both, and each
// write transaction first takes one advisory lock, so writes keep SQLite's
// one-at-a-time semantics across every server process sharing the
// database: the checks made in a transaction hold until it commits, and
// the change log's sequence numbers commit in order, which the sync
// cursor relies on.
type DB struct {
	write *pool
	read  *pool
	eng   *engine
	// Path is the SQLite file, or the PostgreSQL connection URL.
	Path string
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

// IsPostgres says whether a database address names a PostgreSQL server
// (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgres(path string) bool {
	return strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://")
}

// Open opens the database at path and brings its schema up to date: a
// SQLite file (created if needed), or a PostgreSQL database given by URL.
func Open(ctx context.Context, path string) (*DB, error) {
	var db *DB
	if IsPostgres(path) {
		p, err := sql.Open("pgx", path)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		p.SetMaxOpenConns(32)
		p.SetMaxIdleConns(8)
		if err := p.PingContext(ctx); err != nil {
			p.Close()
			return nil, fmt.Errorf("open database: %w", err)
		}
		e := &engine{postgres: true, turn: make(chan struct{}, 1)}
		both := &pool{DB: p, e: e}
		db = &DB{write: both, read: both, eng: e, Path: path, Now: time.Now}
	} else {
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
		e := &engine{}
		db = &DB{write: &pool{DB: w, e: e}, read: &pool{DB: r, e: e}, eng: e, Path: path, Now: time.Now}
	}
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
	if _, err := db.backfill(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.read == db.write {
		return db.write.Close()
	}
	return errors.Join(db.read.Close(), db.write.Close())
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations not yet recorded in schema_migrations. On PostgreSQL each
// holds the write lock, so servers starting together migrate once.
func (db *DB) migrate(ctx context.Context) error {
	dir, table := db.eng.migrations(), `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`
	if db.eng.postgres {
		table = `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad file name %s", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if err := db.migrateOne(ctx, table, version, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, table string, version int, body string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.eng.lock(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, table); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, db.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// nodeID returns this database's id in the hybrid logical clock, made once.
func (db *DB) nodeID(ctx context.Context) (string, error) {
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	if _, err := db.write.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('node_id', ?, ?) ON CONFLICT DO NOTHING`, id, db.Now().UnixMilli()); err != nil {
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
	*sqlTx
	db       *DB
	now      time.Time
	enqueued bool
	changed  bool // logged a change of its own (not one it applied)
	logged   bool // logged any change: the log grew
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
	st, err := tx.sqlTx.Prepare(query)
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// Exec runs a statement, prepared once per transaction on SQLite. pgx
// keeps its own cache of prepared statements per connection, across
// transactions, so on PostgreSQL preparing again in each one would only
// add round trips.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if tx.db.eng.postgres {
		return tx.sqlTx.Exec(query, args...)
	}
	st, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.Exec(tx.db.eng.args(args)...)
}

// Query runs a query, prepared once per transaction on SQLite.
func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if tx.db.eng.postgres {
		return tx.sqlTx.Query(query, args...)
	}
	st, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.Query(tx.db.eng.args(args)...)
}

// QueryRow runs a one-row query, prepared once per transaction on SQLite.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	if tx.db.eng.postgres {
		return tx.sqlTx.QueryRow(query, args...)
	}
	st, err := tx.stmt(query)
	if err != nil {
		// Let the error surface at Scan, as sql.Tx.QueryRow does.
		return tx.sqlTx.QueryRow(query, args...)
	}
	return st.QueryRow(tx.db.eng.args(args)...)
}

// update runs fn in a write transaction and commits if fn returns nil.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	return db.transact(ctx, true, fn)
}

// transact runs fn in a write transaction. An ordered one takes the turn
// and, on PostgreSQL, the lock that make writes one at a time (see DB);
// one that writes only rows named by their content (stored files) needs
// no order and on PostgreSQL runs beside the others. SQLite has one
// writer either way.
func (db *DB) transact(ctx context.Context, ordered bool, fn func(tx *Tx) error) error {
	if ordered {
		if err := db.eng.writer(ctx); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer db.eng.written()
	}
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{sqlTx: sqltx, db: db, now: db.Now().UTC()}
	if ordered {
		if err := db.eng.lock(ctx, sqltx); err != nil {
			sqltx.Rollback()
			return fmt.Errorf("begin: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		sqltx.Rollback()
		return err
	}
	if tx.logged {
		if err := db.eng.notify(sqltx); err != nil {
			sqltx.Rollback()
			return fmt.Errorf("notify: %w", err)
		}
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
