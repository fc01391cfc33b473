package store

import (
	"context"
	"testing"

	"gatehouse/backend/store/storetest"
)

func TestRebind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`SELECT '?' FROM t WHERE b = ?`, `SELECT '?' FROM t WHERE b = $1`},
		{`SELECT "a?b" FROM t WHERE b = ? AND c = 'it''s ?' AND d = ?`, `SELECT "a?b" FROM t WHERE b = $1 AND c = 'it''s ?' AND d = $2`},
		{`INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING`, `INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING`},
	} {
		if got := rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	e := &engine{postgres: true}
	if got := e.sql(`SELECT x FROM d INDEXED BY d_message JOIN k ON k.id = d.k WHERE d.m = ?`); got != `SELECT x FROM d JOIN k ON k.id = d.k WHERE d.m = $1` {
		t.Errorf("INDEXED BY kept: %q", got)
	}
}

// TestRepoint: folding one user into another moves their memberships,
// except one that would make the same membership twice, on either engine.
func TestRepoint(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, storetest.MustPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.update(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`INSERT INTO users (id, name, email, phone, time_zone, role, password_hash, created_at, updated_at) VALUES ('u1', 'A', 'a@x.test', '+1', 'UTC', 'agent', '', 1, 1)`,
			`INSERT INTO users (id, name, email, phone, time_zone, role, password_hash, created_at, updated_at) VALUES ('u2', 'B', 'b@x.test', '+1', 'UTC', 'agent', '', 1, 1)`,
			`INSERT INTO accounts (id, type, first_name, last_name, company_name, sector, sector_other, phone_type, phone, profile, display_name, email, tax_id, status, created_by, created_at, updated_at)
				VALUES ('a1', 'company', '', '', 'One', '', '', '', '', '{}', 'One', '', '', 'registered', 'u1', 1, 1)`,
			`INSERT INTO accounts (id, type, first_name, last_name, company_name, sector, sector_other, phone_type, phone, profile, display_name, email, tax_id, status, created_by, created_at, updated_at)
				VALUES ('a2', 'company', '', '', 'Two', '', '', '', '', '{}', 'Two', '', '', 'registered', 'u1', 1, 1)`,
			`INSERT INTO memberships (account_id, user_id, role, status, created_at, updated_at) VALUES ('a1', 'u1', 'administrator', 'active', 1, 1)`,
			`INSERT INTO memberships (account_id, user_id, role, status, created_at, updated_at) VALUES ('a1', 'u2', 'operator', 'active', 1, 1)`,
			`INSERT INTO memberships (account_id, user_id, role, status, created_at, updated_at) VALUES ('a2', 'u2', 'operator', 'active', 1, 1)`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		if err := tx.repoint("memberships", "user_id", "u2", "u1"); err != nil {
			return err
		}
		// The transaction goes on after a collision.
		_, err := tx.Exec(`DELETE FROM memberships WHERE user_id = ?`, "u2")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT account_id, user_id, role FROM memberships ORDER BY account_id, user_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var a, u, r string
		rows.Scan(&a, &u, &r)
		got = append(got, a+"/"+u+"/"+r)
	}
	want := []string{"a1/u1/administrator", "a2/u1/operator"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("memberships %v, want %v", got, want)
	}
}
