package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"gatehouse/backend"
)

// seedAccounts writes n accounts straight into the tables (the services
// would take minutes), with names, phones and INNs to search by.
func seedAccounts(b *testing.B, a *accountsEnv, n int) []string {
	b.Helper()
	if a.db.Postgres() {
		b.Skip("seeds SQLite's FTS4 table directly; on PostgreSQL the search is measured through the service")
	}
	rw := MustWritable(b, a.env)
	tx, err := rw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	var creator string
	tx.QueryRow(`SELECT id FROM users LIMIT 1`).Scan(&creator)
	ins, _ := tx.Prepare(`INSERT INTO accounts (id, type, first_name, last_name, company_name, sector, sector_other, phone_type, phone,
		phone_verified_at, profile, display_name, email, tax_id, status, created_by, created_at, updated_at)
		VALUES (?, 'company', ?, ?, ?, 'telecom', '', 'mobile', ?, 1, '{}', ?, ?, ?, ?, ?, 1, 1)`)
	fts, _ := tx.Prepare(`INSERT INTO accounts_fts (docid, body) VALUES (?, ?)`)
	first := []string{"Anna", "Boris", "Olga", "Ivan", "Priya", "Rahul", "Elena", "Dmitry", "Sunita", "Arjun"}
	last := []string{"Petrova", "Ivanov", "Sharma", "Smirnova", "Kumar", "Volkov", "Gupta", "Sokolova", "Singh", "Popov"}
	statuses := []string{backend.StatusRegistered, backend.StatusVerified, backend.StatusProfileComplete}
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		ids[i] = uuid.Must(uuid.NewV7()).String()
		fn, ln := first[i%10], last[(i/10)%10]
		company := fmt.Sprintf("Company %d", i)
		phone := fmt.Sprintf("+7912%07d", i)
		inn := fmt.Sprintf("77%08d", i)
		email := fmt.Sprintf("office%d@example.com", i)
		res, err := ins.Exec(ids[i], fn, ln, company, phone, company, email, inn, statuses[i%3], creator)
		if err != nil {
			b.Fatal(err)
		}
		num, _ := res.LastInsertId()
		if _, err := fts.Exec(num, fmt.Sprintf("%s %s %s %s %s %s %s", company, fn, ln, email, phone[1:], phone[2:], inn)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkFindAccounts lists 100,000 accounts: a page deep in the list by
// keyset, a status-filtered page, and searches by name, INN and phone.
//
//	go test -run '^$' -bench BenchmarkFindAccounts ./backend/store/
func BenchmarkFindAccounts(b *testing.B) {
	a := newAccountsEnv(b)
	a.db.Now = time.Now
	ids := seedAccounts(b, a, 100_000)
	for _, bc := range []struct {
		name   string
		filter backend.AccountFilter
	}{
		{"FirstPage", backend.AccountFilter{Limit: 50}},
		{"DeepPage", backend.AccountFilter{Limit: 50, After: ids[len(ids)/10]}},
		{"StatusPage", backend.AccountFilter{Limit: 50, Status: backend.StatusVerified, After: ids[len(ids)/2]}},
		{"SearchName", backend.AccountFilter{Limit: 50, Query: "company 54321"}},
		{"SearchPersonWords", backend.AccountFilter{Limit: 50, Query: "priya sharma"}},
		{"SearchINN", backend.AccountFilter{Limit: 50, Query: "7700054321"}},
		{"SearchPhonePrefix", backend.AccountFilter{Limit: 50, Query: "+7 912 000 54"}},
		{"SearchEveryRow", backend.AccountFilter{Limit: 50, Query: "company"}}, // the worst case: all 100,000 match
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				page, err := a.accts.FindAccounts(a.admin, bc.filter)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Items) == 0 {
					b.Fatal("empty page")
				}
			}
		})
	}
}
