package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestReady(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("fresh database: %v", err)
	}
	// As if a migration this build embeds had not run.
	raw, err := sql.Open("sqlite3", "file:"+db.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE version = 6`); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err == nil || !strings.Contains(err.Error(), "0006_captcha.sql not applied") {
		t.Fatalf("missing migration: %v", err)
	}
	db.Close()
	if err := db.Ready(ctx); err == nil {
		t.Fatal("closed database reported ready")
	}
}
