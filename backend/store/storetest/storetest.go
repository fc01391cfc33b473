// Package storetest gives tests a fresh database on the engine under test:
// a SQLite file, or, when GATEHOUSE_TEST_POSTGRES names a PostgreSQL
// database (scripts/lib.sh's start_postgres starts one on 127.0.0.1), a
// schema of its own in that database, so tests running at once never see
// each other's rows.
package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Postgres is the PostgreSQL database the tests use, or "".
func Postgres() string { return os.Getenv("GATEHOUSE_TEST_POSTGRES") }

// Path returns the database for a test's node kept in dir: dir's
// gatehouse.db, or on PostgreSQL a schema named after dir (so a child
// process that opens the same dir gets the same database), created if
// missing. tb, when given, drops the schema at the end of the test.
func Path(tb testing.TB, dir string) (string, error) {
	base := Postgres()
	if base == "" {
		return filepath.Join(dir, "gatehouse.db"), nil
	}
	sum := sha256.Sum256([]byte(dir))
	schema := "t_" + hex.EncodeToString(sum[:10])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		return "", fmt.Errorf("test schema: %w", err)
	}
	if tb != nil {
		tb.Cleanup(func() { Drop(base, schema) })
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Drop removes a test's schema.
func Drop(base, schema string) {
	if admin, err := sql.Open("pgx", base); err == nil {
		admin.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
		admin.Close()
	}
}

// MustPath is Path for a test in tb's temporary folder.
func MustPath(tb testing.TB) string {
	tb.Helper()
	p, err := Path(tb, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
