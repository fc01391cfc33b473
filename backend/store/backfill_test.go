package store_test

import (
	"context"
	"encoding/json"
	"testing"
)

// TestBackfillLogsRecordsFromBeforeSync: records the services write are
// logged as they are written, so the backfill finds nothing; records from
// before sync (no field clocks, no log entry in the sync format) are each
// logged once, whole, with the immutable records they own, and only once.
func TestBackfillLogsRecordsFromBeforeSync(t *testing.T) {
	k := newKYCEnv(t)
	ctx := context.Background()
	if _, err := k.kyc.SetEntityType(k.customer, k.acct.ID, "RU", "individual_entrepreneur"); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"egrip_extract", "inn_certificate", "passport"} {
		if _, err := k.kyc.AddDocument(k.customer, k.acct.ID, kind, pdfFile(kind+".pdf")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := k.kyc.Submit(k.customer, k.acct.ID); err != nil {
		t.Fatal(err)
	}
	rw := MustWritable(t, k.env)
	exec := func(q string) {
		t.Helper()
		if _, err := rw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`DELETE FROM sync_state WHERE key = 'backfill'`)
	if n, err := k.db.Backfill(ctx); err != nil || n != 0 {
		t.Fatalf("backfill after the services wrote: %d records (%v), want none: a service wrote a record without logging it", n, err)
	}

	// The same records as a database from before sync holds them.
	tables := map[string]string{"user": "users", "consent": "consents", "account": "accounts", "membership": "memberships",
		"kyc_case": "kyc_cases", "kyc_document": "kyc_documents", "kyc_event": "kyc_events"}
	rows := map[string]int{}
	for entity, table := range tables {
		if rows[entity] = k.count(t, `SELECT count(*) FROM `+table); rows[entity] == 0 {
			t.Fatalf("no %s to backfill: the test sets up too little", entity)
		}
	}
	exec(`DELETE FROM row_clocks`)
	exec(`DELETE FROM changes`)
	exec(`DELETE FROM sync_state WHERE key = 'backfill'`)

	n, err := k.db.Backfill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := rows["user"] + rows["account"] + rows["membership"] + rows["kyc_case"] + rows["kyc_document"]; n != want {
		t.Errorf("backfill logged %d records, want %d", n, want)
	}
	for entity := range tables {
		if got := k.count(t, `SELECT count(*) FROM changes WHERE entity = ? AND op = 'upsert' AND pushed_at IS NULL`, entity); got != rows[entity] {
			t.Errorf("%s: %d changes waiting to be pushed for %d records", entity, got, rows[entity])
		}
	}
	if got := k.count(t, `SELECT count(*) FROM changes WHERE entity = 'setting'`); got != 0 {
		t.Errorf("settings were logged (%d): a fresh clock would outrank the server's policy", got)
	}
	// An account is logged whole: a server that never saw it can store it.
	var data string
	if err := rw.QueryRow(`SELECT data FROM changes WHERE entity = 'account' AND entity_id = ?`, k.acct.ID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(data), &fields); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"id", "type", "company_name", "phone", "created_by", "profile.requisites", "status"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("the account's change lacks %s: %s", f, data)
		}
	}

	// Once: the mark stops a second run, and without it every record now
	// has its clocks.
	before := k.count(t, `SELECT count(*) FROM changes`)
	if n, err := k.db.Backfill(ctx); err != nil || n != 0 {
		t.Fatalf("second backfill: %d (%v)", n, err)
	}
	exec(`DELETE FROM sync_state WHERE key = 'backfill'`)
	if n, err := k.db.Backfill(ctx); err != nil || n != 0 {
		t.Fatalf("backfill without the mark: %d (%v)", n, err)
	}
	if after := k.count(t, `SELECT count(*) FROM changes`); after != before {
		t.Fatalf("changes grew from %d to %d", before, after)
	}
}
