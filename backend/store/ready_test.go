package store_test

import (
	"context"
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
	raw, err := db.OpenConn()
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	version, name := 6, "0006_captcha.sql"
	if db.Postgres() {
		version, name = 7, "0007_schema.sql"
	}
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE version = ?`, version); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err == nil || !strings.Contains(err.Error(), name+" not applied") {
		t.Fatalf("missing migration: %v", err)
	}
	db.Close()
	if err := db.Ready(ctx); err == nil {
		t.Fatal("closed database reported ready")
	}
}
