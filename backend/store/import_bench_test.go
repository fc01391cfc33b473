package store_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/store"
	"gatehouse/backend/xlsx"
)

// BenchmarkImportEmployees imports 100,000 rows from CSV in one
// transaction, and the same file with a bad row in the middle, which must
// import nothing.
//
//	go test -run '^$' -bench BenchmarkImportEmployees -benchtime 1x -timeout 20m ./backend/store/
func BenchmarkImportEmployees(b *testing.B) {
	const rows = 100_000
	csv := func(bad int) []byte {
		var buf bytes.Buffer
		buf.WriteString("Name,Email,Phone,Role\n")
		for i := 0; i < rows; i++ {
			email := fmt.Sprintf("person%d@example.com", i)
			if i == bad {
				email = "not-an-email"
			}
			fmt.Fprintf(&buf, "Person %d,%s,+7916%07d,operator\n", i, email, i)
		}
		return buf.Bytes()
	}
	for _, bc := range []struct {
		name string
		bad  int
	}{{"BadRowInTheMiddle", rows / 2}, {"AllValid", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				a := newAccountsEnv(b)
				a.db.Now = time.Now
				cust := a.user(b, "client@example.com", backend.RoleCustomer)
				acct, err := a.accts.SaveAccountDetails(cust, "", companyDetails())
				if err != nil {
					b.Fatal(err)
				}
				reports := store.NewReportService(a.db, a.accts, nil, xlsx.New())
				data := csv(bc.bad)
				b.StartTimer()
				p, err := reports.ImportEmployees(cust, acct.ID, "people.csv", bytes.NewReader(data), nil)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				n := a.count(b, `SELECT count(*) FROM memberships WHERE account_id = ?`, acct.ID)
				if bc.bad >= 0 && (n != 1 || p.Valid != 0) || bc.bad < 0 && n != rows+1 {
					b.Fatalf("imported %d memberships, preview %+v", n, p.Valid)
				}
			}
		})
	}
}
