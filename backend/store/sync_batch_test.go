package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gatehouse/backend"
	"gatehouse/backend/store/storetest"
)

// batchForShortWay is a batch that takes every turn of apply: new records,
// a record created and edited in one batch, a change sent twice, a record
// deleted and written again, derived columns that need correcting, a
// composite key, an immutable record sent twice, and refused changes.
func testHLC(n int) string { return fmt.Sprintf("%013d-%05d-desktop00001", 1795000000000+int64(n), 0) }

// testAccount is a whole account record as a desktop logs a new one.
func testAccount(id, name, status string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":%q,"type":"company","first_name":"Olga","last_name":"Admin","company_name":%q,
		"sector":"telecom","sector_other":"","phone_type":"mobile","phone":"+79120000001","phone_verified_at":1795000000000,
		"profile.name":%q,"profile.email":"","profile.phone":"+79120000001","profile.timeZone":"","profile.maxDialogs":5,
		"profile.requisites":{"country":"RU","inn":"7707083893"},"profile.legalAddress":{"country":"RU","city":"<Tver> & Co"},
		"profile.postalSameAsLegal":true,"display_name":%q,"email":"","tax_id":"","status":%q,
		"created_by":"u1","created_at":1795000000000,"updated_at":1795000000000,"completed_at":null}`, id, name, name, name, status))
}

func testUser() json.RawMessage {
	return json.RawMessage(`{"id":"u1","name":"Olga","email":"olga@example.com","phone":"+79120000001","time_zone":"Europe/Moscow",
		"role":"admin","password_hash":"x","email_verified_at":1795000000000,"phone_verified_at":null,"created_at":1795000000000,"updated_at":1795000000000}`)
}

func batchForShortWay() []backend.Change {
	hlc, account := testHLC, testAccount
	return []backend.Change{
		{ID: "c-user", Entity: "user", EntityID: "u1", Op: "upsert", HLC: hlc(1), Data: testUser()},
		{ID: "c-a1", Entity: "account", EntityID: "a1", Op: "upsert", HLC: hlc(2), Data: account("a1", "Northwind", "verified")},
		// The same change again in the same batch: a duplicate.
		{ID: "c-a1", Entity: "account", EntityID: "a1", Op: "upsert", HLC: hlc(2), Data: account("a1", "Northwind", "verified")},
		// Edited in the same batch: the record is no longer new.
		{ID: "c-a1-edit", Entity: "account", EntityID: "a1", Op: "upsert", HLC: hlc(3),
			Data: json.RawMessage(`{"profile.name":"Northwind Ltd","company_name":"Northwind Ltd","display_name":"Northwind Ltd"}`),
			Base: map[string]string{"profile.name": hlc(2)}},
		// Derived columns that say the wrong thing are corrected.
		{ID: "c-a2", Entity: "account", EntityID: "a2", Op: "upsert", HLC: hlc(4), Data: account("a2", "Contoso", "profile_complete")},
		// Created, deleted, then written again: the late edit is a conflict.
		{ID: "c-a3", Entity: "account", EntityID: "a3", Op: "upsert", HLC: hlc(5), Data: account("a3", "Fabrikam", "verified")},
		{ID: "c-a3-del", Entity: "account", EntityID: "a3", Op: "delete", HLC: hlc(6)},
		{ID: "c-a3-late", Entity: "account", EntityID: "a3", Op: "upsert", HLC: hlc(7), Data: account("a3", "Fabrikam 2", "verified")},
		// A new record that does not hold all of itself is refused.
		{ID: "c-a4", Entity: "account", EntityID: "a4", Op: "upsert", HLC: hlc(8), Data: json.RawMessage(`{"profile.name":"Half"}`)},
		// A value of the wrong type: stored as SQLite stores it.
		{ID: "c-a5", Entity: "account", EntityID: "a5", Op: "upsert", HLC: hlc(9),
			Data: json.RawMessage(strings.Replace(string(account("a5", "Typed", "verified")), `"first_name":"Olga"`, `"first_name":42`, 1))},
		{ID: "c-m1", Entity: "membership", EntityID: "a1/u1", Op: "upsert", HLC: hlc(10), Data: json.RawMessage(`{"account_id":"a1",
			"user_id":"u1","role":"administrator","status":"active","max_dialogs":null,"created_at":1795000000000,"updated_at":1795000000000}`)},
		{ID: "c-k1", Entity: "consent", EntityID: "k1", Op: "upsert", HLC: hlc(11), Data: json.RawMessage(`{"id":"k1","user_id":"u1",
			"kind":"terms","version":"1","accepted_at":1795000000000}`)},
		{ID: "c-k1-again", Entity: "consent", EntityID: "k1", Op: "upsert", HLC: hlc(12), Data: json.RawMessage(`{"id":"k1","user_id":"u1",
			"kind":"terms","version":"2","accepted_at":1795000000000}`)},
		{ID: "c-bad", Entity: "account", EntityID: "a6", Op: "upsert", HLC: hlc(13), Data: json.RawMessage(`{"no_such_field":1}`)},
		{ID: "c-bad-json", Entity: "account", EntityID: "a7", Op: "upsert", HLC: hlc(14), Data: json.RawMessage(`{"id":`)},
	}
}

// syncedState is what applying left behind, as text.
func syncedState(t *testing.T, db *DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT num, id, type, first_name, company_name, phone_verified_at, profile, display_name, email, tax_id, status, created_by, completed_at FROM accounts ORDER BY num`,
		`SELECT docid, body FROM accounts_fts ORDER BY docid`,
		`SELECT entity, entity_id, clocks, deleted FROM row_clocks ORDER BY entity, entity_id`,
		`SELECT id, entity, entity_id, op, data, hlc, origin, base, pushed_at IS NULL FROM changes WHERE origin = 'device' ORDER BY seq`,
		`SELECT kind, entity, entity_id, field, kept_value, kept_hlc, lost_value, lost_hlc, detail FROM sync_conflicts ORDER BY entity_id, kind, field`,
		`SELECT account_id, user_id, role FROM memberships`,
		`SELECT id, version FROM consents`,
	} {
		rows, err := db.read.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// TestShortWayMatchesGeneralWay applies the same batch with and without
// the short way for new records: results and every table they touch match.
func TestShortWayMatchesGeneralWay(t *testing.T) {
	ctx := context.Background()
	run := func(short bool) ([]ApplyResult, string) {
		noShortWay = !short
		defer func() { noShortWay = false }()
		db, err := Open(ctx, storetest.MustPath(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := db.ApplyChanges(ctx, batchForShortWay(), ApplyOptions{Origin: "device"})
		if err != nil {
			t.Fatal(err)
		}
		// Sent again: every change the first round applied is a duplicate.
		again, err := db.ApplyChanges(ctx, batchForShortWay(), ApplyOptions{Origin: "device"})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range again {
			if res[i].Status == ChangeApplied && r.Status != ChangeDuplicate {
				t.Errorf("short=%v: %s sent again: %s %s", short, r.ID, r.Status, r.Error)
			}
		}
		return res, syncedState(t, db)
	}
	shortRes, shortState := run(true)
	generalRes, generalState := run(false)
	if !reflect.DeepEqual(shortRes, generalRes) {
		t.Errorf("results differ:\nshort:   %+v\ngeneral: %+v", shortRes, generalRes)
	}
	if shortState != generalState {
		t.Errorf("state differs:\nshort:\n%s\ngeneral:\n%s", shortState, generalState)
	}
	want := map[string]string{"c-a1": ChangeApplied, "c-a1-edit": ChangeApplied, "c-a2": ChangeApplied, "c-a4": ChangeRejected,
		"c-k1-again": ChangeApplied, "c-bad": ChangeRejected, "c-bad-json": ChangeRejected}
	for i, r := range shortRes {
		if w, ok := want[r.ID]; ok && r.Status != w && i != 2 {
			t.Errorf("%s: %s (%s); want %s", r.ID, r.Status, r.Error, w)
		}
		if i == 2 && r.Status != ChangeDuplicate {
			t.Errorf("the change sent twice in one batch: %s; want duplicate", r.Status)
		}
	}
	for _, s := range []string{"Northwind Ltd", "Tver"} {
		if !strings.Contains(shortState, s) {
			t.Errorf("state lacks %q:\n%s", s, shortState)
		}
	}
	// Contoso's change says profile_complete; its profile is not.
	if !strings.Contains(shortState, "2 a2 company Olga Contoso") || strings.Contains(shortState, "profile_complete u1") {
		t.Errorf("derived columns not corrected:\n%s", shortState)
	}
}

// TestPushedRecordsFollowTheFormsRules: on the server, a device's change
// that leaves a record its form would refuse is refused, whether the
// record is new (checked while the batch is prepared) or edited (read back
// after the batch), and the batch's other changes apply.
func TestPushedRecordsFollowTheFormsRules(t *testing.T) {
	ctx := context.Background()
	badINN := json.RawMessage(strings.Replace(string(testAccount("a1", "Bad INN", "verified")), "7707083893", "7707083894", 1))
	batch := []backend.Change{
		{ID: "c-user", Entity: "user", EntityID: "u1", Op: "upsert", HLC: testHLC(1), Data: testUser()},
		{ID: "c-a1", Entity: "account", EntityID: "a1", Op: "upsert", HLC: testHLC(2), Data: badINN},
		{ID: "c-a2", Entity: "account", EntityID: "a2", Op: "upsert", HLC: testHLC(3), Data: testAccount("a2", "Good", "verified")},
		{ID: "c-a2-edit", Entity: "account", EntityID: "a2", Op: "upsert", HLC: testHLC(4), Data: json.RawMessage(`{"type":"spaceship"}`)},
		{ID: "c-a3", Entity: "account", EntityID: "a3", Op: "upsert", HLC: testHLC(5), Data: testAccount("a3", "Also good", "verified")},
	}
	want := map[string]string{"c-user": ChangeApplied, "c-a1": "requisites.inn", "c-a2": ChangeApplied, "c-a2-edit": "details.type", "c-a3": ChangeApplied}
	for _, short := range []bool{true, false} {
		noShortWay = !short
		db, err := Open(ctx, storetest.MustPath(t))
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.ApplyChanges(ctx, batch, ApplyOptions{Origin: "device", User: &backend.User{ID: "u1", Role: backend.RoleAdmin}})
		noShortWay = false
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			w := want[r.ID]
			if (w == ChangeApplied && r.Status != ChangeApplied) || (w != ChangeApplied && (r.Status != ChangeRejected || !strings.Contains(r.Error, w))) {
				t.Errorf("short=%v: %s: %s %q, want %s", short, r.ID, r.Status, r.Error, w)
			}
		}
		var names []string
		rows, err := db.read.QueryContext(ctx, `SELECT id || ' ' || type FROM accounts ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			names = append(names, s)
		}
		rows.Close()
		if got := strings.Join(names, ", "); got != "a2 company, a3 company" {
			t.Errorf("short=%v: accounts %s", short, got)
		}
		db.Close()
	}
}
