package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// engine is what differs between the two databases the store runs on.
// Queries are written once, in SQLite's dialect with ? placeholders, in
// the portable subset both engines share (ON CONFLICT upserts, RETURNING,
// coalesce); on PostgreSQL they are rebound to $1, $2... here, and the few
// statements that cannot be shared (the search index, pragma reads) ask
// the engine which to run.
type engine struct {
	postgres bool
	// turn is this process's writers' queue on PostgreSQL (a channel of
	// one, so waiting respects the context): one waits on the database's
	// lock at a time, the others wait here, holding no connection, as
	// SQLite's writers wait for its one write connection.
	turn    chan struct{}
	rebound sync.Map // query -> rebound query
	cached  atomic.Int32
}

// indexedBy is an SQLite planner hint; PostgreSQL plans with statistics.
var indexedBy = regexp.MustCompile(`\s+INDEXED BY \w+`)

// sql returns q in the engine's dialect.
func (e *engine) sql(q string) string {
	if !e.postgres {
		return q
	}
	if r, ok := e.rebound.Load(q); ok {
		return r.(string)
	}
	r := rebind(indexedBy.ReplaceAllString(q, ""))
	// Queries are constants or built from a bounded set of parts (filters,
	// IN lists of up to a batch), so the cache stays small; the cap keeps
	// a mistake from growing it without end.
	if e.cached.Add(1) < 4096 {
		e.rebound.Store(q, r)
	}
	return r
}

// rebind numbers the ? placeholders outside quoted text.
func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// args adapts Go values SQLite takes as they are: PostgreSQL stores the
// store's flags in integer columns, as SQLite does, and refuses a bool.
func (e *engine) args(args []any) []any {
	if !e.postgres {
		return args
	}
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if b {
				args[i] = int64(1)
			} else {
				args[i] = int64(0)
			}
		}
	}
	return args
}

// writer waits for this process's turn to write; written ends it.
func (e *engine) writer(ctx context.Context) error {
	if e.turn == nil {
		return nil
	}
	select {
	case e.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *engine) written() {
	if e.turn != nil {
		<-e.turn
	}
}

// lock takes the write lock for the rest of the transaction; SQLite's
// write transactions begin with it (_txlock=immediate).
func (e *engine) lock(ctx context.Context, tx *sqlTx) error {
	if !e.postgres {
		return nil
	}
	// One lock per schema: every process using this Gatehouse database
	// takes the same one, and databases side by side in one server (the
	// tests' schemas) do not wait for each other.
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema()))`)
	return err
}

// migrations is the folder of the engine's migrations.
func (e *engine) migrations() string {
	dir := "migrations"
	if e.postgres {
		dir += "_pg"
	}
	return dir
}

// pool is a database/sql pool that speaks the engine's dialect.
type pool struct {
	*sql.DB
	e *engine
}

func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return p.DB.ExecContext(ctx, p.e.sql(q), p.e.args(args)...)
}

func (p *pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return p.DB.QueryContext(ctx, p.e.sql(q), p.e.args(args)...)
}

func (p *pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return p.DB.QueryRowContext(ctx, p.e.sql(q), p.e.args(args)...)
}

// BeginTx starts a transaction. A read-only one is a snapshot on both
// engines: SQLite's read transactions are, PostgreSQL's default (read
// committed) takes a new snapshot per statement.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sqlTx, error) {
	if p.e.postgres && opts != nil && opts.ReadOnly && opts.Isolation == sql.LevelDefault {
		o := *opts
		o.Isolation = sql.LevelRepeatableRead
		opts = &o
	}
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &sqlTx{Tx: tx, e: p.e}, nil
}

// sqlTx is a database/sql transaction that speaks the engine's dialect.
type sqlTx struct {
	*sql.Tx
	e *engine
}

func (t *sqlTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.e.sql(q), t.e.args(args)...)
}

func (t *sqlTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.e.sql(q), t.e.args(args)...)
}

func (t *sqlTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.e.sql(q), t.e.args(args)...)
}

func (t *sqlTx) Exec(q string, args ...any) (sql.Result, error) {
	return t.ExecContext(context.Background(), q, args...)
}

func (t *sqlTx) Query(q string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(context.Background(), q, args...)
}

func (t *sqlTx) QueryRow(q string, args ...any) *sql.Row {
	return t.QueryRowContext(context.Background(), q, args...)
}

// Prepare prepares q; the statement's Exec and Query take arguments as
// database/sql does, so callers pass flags as integers.
func (t *sqlTx) Prepare(q string) (*sql.Stmt, error) { return t.Tx.Prepare(t.e.sql(q)) }

// Conn is a plain connection to a store's database for tools and tests
// that look at rows directly; it takes the store's dialect (? placeholders)
// on either engine.
type Conn struct{ p *pool }

// OpenConn opens a second pool on the store's database. Close it.
func (db *DB) OpenConn() (*Conn, error) {
	if db.eng.postgres {
		d, err := sql.Open("pgx", db.Path)
		if err != nil {
			return nil, err
		}
		return &Conn{&pool{DB: d, e: db.eng}}, nil
	}
	d, err := sql.Open("sqlite3", "file:"+db.Path+"?_busy_timeout=10000&_foreign_keys=on")
	if err != nil {
		return nil, err
	}
	return &Conn{&pool{DB: d, e: db.eng}}, nil
}

func (c *Conn) Exec(q string, args ...any) (sql.Result, error) {
	return c.p.ExecContext(context.Background(), q, args...)
}

func (c *Conn) Query(q string, args ...any) (*sql.Rows, error) {
	return c.p.QueryContext(context.Background(), q, args...)
}

func (c *Conn) QueryRow(q string, args ...any) *sql.Row {
	return c.p.QueryRowContext(context.Background(), q, args...)
}

// Begin starts a transaction on the connection.
func (c *Conn) Begin() (*sqlTx, error) { return c.p.BeginTx(context.Background(), nil) }

func (c *Conn) Close() error { return c.p.Close() }

// Postgres says whether the store runs on PostgreSQL.
func (db *DB) Postgres() bool { return db.eng.postgres }

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// repoint makes the rows of table that name from in col name to instead,
// except a row that would then collide with one already naming to (the
// same membership twice), which the caller deletes with what else is
// left. SQLite says this in one statement (UPDATE OR IGNORE); PostgreSQL
// goes row by row, each under a savepoint, because a failed statement
// would otherwise abort the whole transaction.
func (tx *Tx) repoint(table, col, from, to string) error {
	if !tx.db.eng.postgres {
		_, err := tx.Exec(`UPDATE OR IGNORE `+table+` SET `+col+` = ? WHERE `+col+` = ?`, to, from)
		return err
	}
	ctids, err := tx.texts(`SELECT ctid::text FROM `+table+` WHERE `+col+` = ?`, from)
	if err != nil {
		return err
	}
	for _, c := range ctids {
		err := tx.guarded(func() error {
			_, err := tx.sqlTx.Exec(`UPDATE `+table+` SET `+col+` = ? WHERE ctid = ?::tid`, to, c)
			return err
		})
		var pe *pgconn.PgError
		if err != nil && !(errors.As(err, &pe) && pe.Code == uniqueViolation) {
			return err
		}
	}
	return nil
}

// guarded runs statements the database may refuse (a pushed record that
// breaks a constraint) so that a refusal undoes them alone and the
// transaction goes on, as it does on SQLite; PostgreSQL would otherwise
// refuse every later statement of the transaction. fn's error is returned.
func (tx *Tx) guarded(fn func() error) error {
	if !tx.db.eng.postgres {
		return fn()
	}
	if _, err := tx.sqlTx.Exec(`SAVEPOINT guarded`); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.sqlTx.Exec(`ROLLBACK TO SAVEPOINT guarded`); rerr != nil {
			return errors.Join(err, rerr)
		}
		if _, rerr := tx.sqlTx.Exec(`RELEASE SAVEPOINT guarded`); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.sqlTx.Exec(`RELEASE SAVEPOINT guarded`)
	return err
}

// changesChannel is the PostgreSQL notification channel a commit that
// logged changes signals on; the payload is the schema, so databases side
// by side in one server (the tests') wake only their own listeners.
const changesChannel = "gatehouse_changes"

// notify, on PostgreSQL, signals the commit of a transaction that logged
// changes to every process listening (ListenChanges); PostgreSQL delivers
// it at commit, and not at all if the transaction rolls back.
func (e *engine) notify(tx *sqlTx) error {
	if !e.postgres {
		return nil
	}
	_, err := tx.ExecContext(context.Background(), `SELECT pg_notify('`+changesChannel+`', current_schema())`)
	return err
}

// ListenChanges calls changed whenever another process sharing this
// database commits changes to the log, until ctx ends: several `gatehouse
// serve` processes on one PostgreSQL database wake each other's desktops
// this way (db.OnChange covers this process's own commits). A lost
// connection is reported to failed and retried with backoff. On SQLite,
// which one server process owns, it returns at once.
func (db *DB) ListenChanges(ctx context.Context, changed func(), failed func(error)) {
	if !db.eng.postgres {
		return
	}
	wait := time.Second
	for ctx.Err() == nil {
		err := db.listen(ctx, changed)
		if ctx.Err() != nil {
			return
		}
		failed(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Minute)
	}
}

func (db *DB) listen(ctx context.Context, changed func()) error {
	conn, err := pgx.Connect(ctx, db.Path)
	if err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	defer conn.Close(context.Background())
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+changesChannel); err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	// Whatever was committed while not listening is picked up by the
	// desktops' next pull: waking them once costs them one request.
	changed()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("listen for changes: %w", err)
		}
		if n.Payload == schema {
			changed()
		}
	}
}
