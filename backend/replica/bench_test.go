package replica_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gatehouse/backend/replica"
)

// copyDB copies a database file (and its WAL, if any) for a fresh start.
func copyDB(tb testing.TB, from, to string) {
	tb.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		tb.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		src, err := os.Open(filepath.Join(from, "gatehouse.db"+suffix))
		if err != nil {
			continue
		}
		dst, err := os.Create(filepath.Join(to, "gatehouse.db"+suffix))
		if err != nil {
			tb.Fatal(err)
		}
		io.Copy(dst, src)
		src.Close()
		dst.Close()
	}
}

// firstSyncRecords is 100,000; GATEHOUSE_BENCH_RECORDS sets a smaller
// number for profiling.
var firstSyncRecords = func() int {
	if n, err := strconv.Atoi(os.Getenv("GATEHOUSE_BENCH_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

// BenchmarkFirstSync pushes a desktop's 100,000 offline accounts to an
// empty server over loopback HTTP, and compares it with inserting the same
// account rows into a SQLite file in one transaction in the same run
// (x-insert). x-insert-floor compares that insert with the floor of this
// design: inserting, the same way, every row the sync left on the server
// for the accounts (the account, its change in the log, its field clocks,
// its search row), which no sync on this design can beat; the log prints
// each table's part. x-insert-ids is the floor of any server that keeps a
// log of changes, as the sync does: the account and a log entry
// holding only the change's id and place, no copy of the data, no clocks,
// no search row. pull-s is the other first sync: a new desktop,
// signed in as a member of staff who may see them all, pulling the
// 100,000 accounts from the server (x-insert-pull against the same insert).
//
//	go test -run '^$' -bench BenchmarkFirstSync -benchtime 1x -timeout 30m ./backend/replica/
func BenchmarkFirstSync(b *testing.B) {
	root := b.TempDir()
	seedServer, seedDesktop := filepath.Join(root, "seed-server"), filepath.Join(root, "seed-desktop")
	// GATEHOUSE_BENCH_SEED keeps the seeded pair in a folder and reuses it
	// on the next run: seeding 100,000 accounts one save at a time takes
	// longer than the sync it prepares. Remove the folder after a change to
	// how a desktop logs its writes.
	seedDir := os.Getenv("GATEHOUSE_BENCH_SEED")
	if seedDir != "" {
		seedDir = filepath.Join(seedDir, strconv.Itoa(firstSyncRecords))
		seedServer, seedDesktop = filepath.Join(seedDir, "seed-server"), filepath.Join(seedDir, "seed-desktop")
	}
	if _, err := os.Stat(filepath.Join(seedDir, "complete")); err != nil || seedDir == "" {
		os.RemoveAll(seedServer)
		os.RemoveAll(seedDesktop)
		s, err := openNodeErr(seedServer)
		if err != nil {
			b.Fatal(err)
		}
		s.verified(b, person("Olga Admin", adminEmail, "+7 912 000-00-01"))
		srv := serve(b, s)
		d, err := openNodeErr(seedDesktop)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.client.Connect(context.Background(), srv.URL, adminEmail, "Blue-Harbor-71", "bench"); err != nil {
			b.Fatal(err)
		}
		d.sync(b)
		srv.Close()
		ctx := d.as(b, adminEmail)
		start := time.Now()
		for i := range firstSyncRecords {
			if _, err := d.accounts.SaveAccountDetails(ctx, "", company(fmt.Sprintf("Offline %06d", i))); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("seeded %d accounts in %s", firstSyncRecords, time.Since(start).Round(time.Millisecond))
		d.close()
		s.close()
		if seedDir != "" {
			if err := os.WriteFile(filepath.Join(seedDir, "complete"), nil, 0o600); err != nil {
				b.Fatal(err)
			}
		}
	}
	rows := accountRows(b, seedDesktop)

	// CPU time (user and system, both sides: they share this process) is
	// reported too: on a machine shared with other work, wall time varies
	// from run to run far more than the work done.
	var syncTotal, insertTotal, floorTotal, idsTotal, pullTotal, syncCPU, insertCPU, floorCPU, pullCPU time.Duration
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(root, fmt.Sprint(i))
		copyDB(b, seedServer, filepath.Join(dir, "server"))
		copyDB(b, seedDesktop, filepath.Join(dir, "desktop"))
		s, err := openNodeErr(filepath.Join(dir, "server"))
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer((&replica.Server{DB: s.db, Users: s.users, Files: s.files, UploadDir: filepath.Join(dir, "up"), Log: quiet}).Handler())
		d, err := openNodeErr(filepath.Join(dir, "desktop"))
		if err != nil {
			b.Fatal(err)
		}
		d.db.SetSyncState(context.Background(), map[string]string{"server": srv.URL})

		// GATEHOUSE_BENCH_CPUPROFILE profiles the push alone (both sides
		// run in this process), without the seeding; GATEHOUSE_BENCH_PULLPROFILE
		// the new desktop's pull.
		stop := profile(b, os.Getenv("GATEHOUSE_BENCH_CPUPROFILE"))
		b.StartTimer()
		start, cpu := time.Now(), cpuTime()
		if err := d.client.SyncNow(context.Background()); err != nil {
			b.Fatal(err)
		}
		syncTotal += time.Since(start)
		syncCPU += cpuTime() - cpu
		b.StopTimer()
		stop()
		if n := s.count(b, `SELECT count(*) FROM accounts`); n != firstSyncRecords {
			b.Fatalf("server has %d accounts", n)
		}
		// The other first sync: a new desktop (a colleague's) pulls them.
		p, err := openNodeErr(filepath.Join(dir, "puller"))
		if err != nil {
			b.Fatal(err)
		}
		if err := p.client.Connect(context.Background(), srv.URL, adminEmail, "Blue-Harbor-71", "puller"); err != nil {
			b.Fatal(err)
		}
		stop = profile(b, os.Getenv("GATEHOUSE_BENCH_PULLPROFILE"))
		start, cpu = time.Now(), cpuTime()
		if err := p.client.SyncNow(context.Background()); err != nil {
			b.Fatal(err)
		}
		pullTotal += time.Since(start)
		pullCPU += cpuTime() - cpu
		stop()
		if n := p.count(b, `SELECT count(*) FROM accounts`); n != firstSyncRecords {
			b.Fatalf("the new desktop has %d accounts", n)
		}
		p.close()
		srv.Close()
		d.close()
		s.close()
		serverDB := filepath.Join(dir, "server", "gatehouse.db")
		kept := serverRows(b, serverDB, keptTables)
		cpu = cpuTime()
		floorTotal += insertServerRows(b, filepath.Join(dir, "floor"), keptTables, kept)
		floorCPU += cpuTime() - cpu
		idsTotal += insertServerRows(b, filepath.Join(dir, "ids"), idTables, serverRows(b, serverDB, idTables))

		start, cpu = time.Now(), cpuTime()
		insertRows(b, filepath.Join(dir, "baseline.db"), rows)
		insertTotal += time.Since(start)
		insertCPU += cpuTime() - cpu
	}
	b.ReportMetric(syncTotal.Seconds()/float64(b.N), "sync-s")
	b.ReportMetric(insertTotal.Seconds()/float64(b.N), "insert-s")
	b.ReportMetric(float64(syncTotal)/float64(insertTotal), "x-insert")
	b.ReportMetric(float64(firstSyncRecords)*float64(b.N)/syncTotal.Seconds(), "records/s")
	b.ReportMetric(float64(floorTotal)/float64(insertTotal), "x-insert-floor")
	b.ReportMetric(float64(idsTotal)/float64(insertTotal), "x-insert-ids")
	b.ReportMetric(pullTotal.Seconds()/float64(b.N), "pull-s")
	b.ReportMetric(float64(pullTotal)/float64(insertTotal), "x-insert-pull")
	b.ReportMetric(pullCPU.Seconds()/float64(b.N), "pull-cpu-s")
	b.ReportMetric(syncCPU.Seconds()/float64(b.N), "sync-cpu-s")
	b.ReportMetric(floorCPU.Seconds()/float64(b.N), "floor-cpu-s")
	b.ReportMetric(insertCPU.Seconds()/float64(b.N), "insert-cpu-s")
}

// profile writes a CPU profile to path (none if path is empty) until the
// returned function is called.
func profile(tb testing.TB, path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		tb.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// accountRows reads the desktop's accounts as they are stored.
func accountRows(tb testing.TB, dir string) [][]any {
	return readRows(tb, filepath.Join(dir, "gatehouse.db"), `SELECT `+accountCols+` FROM accounts`)
}

// readRows reads every row a query of a SQLite file returns, as stored.
func readRows(tb testing.TB, path, query string) [][]any {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Query(query)
	if err != nil {
		tb.Fatal(err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rs.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

const accountCols = `id, type, first_name, last_name, company_name, sector, sector_other, phone_type, phone, phone_verified_at,
	profile, display_name, email, tax_id, status, created_by, created_at, updated_at, completed_at`

// insertRows is the baseline: the same rows into a table of the same shape
// in one transaction with one prepared statement.
func insertRows(tb testing.TB, path string, rows [][]any) {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=NORMAL")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE accounts (num INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT, first_name TEXT,
		last_name TEXT, company_name TEXT, sector TEXT, sector_other TEXT, phone_type TEXT, phone TEXT, phone_verified_at INTEGER,
		profile TEXT, display_name TEXT, email TEXT, tax_id TEXT, status TEXT, created_by TEXT, created_at INTEGER, updated_at INTEGER,
		completed_at INTEGER)`); err != nil {
		tb.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO accounts (` + accountCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range rows {
		if _, err := stmt.Exec(r...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// keptTable is a table a first sync writes on the server: the rows of
// its accounts are read with sel (a column list) and inserted into cols
// (empty: every column).
type keptTable struct{ table, sel, cols, where string }

// keptTables are what the server keeps of each synced account, besides
// the row: the change in its log (other desktops pull it), the fields'
// clocks (later edits are merged by them) and the search index.
var keptTables = []keptTable{
	{"accounts", "*", "", ""},
	{"changes", "*", "", " WHERE entity = 'account'"},
	{"row_clocks", "*", "", " WHERE entity = 'account'"},
	{"accounts_fts", "docid, body", "docid, body", ""},
}

// idTables are the least a server that keeps a log can write: the account
// and a log entry with no copy of the record, just the change's id (a
// retried push is recognised by it) and its place in the log (pulls
// follow it). No field clocks, no search index.
var idTables = []keptTable{
	keptTables[0],
	{"changes", "seq, id, entity, entity_id, op, '', hlc, created_at, pushed_at, origin, base", "", " WHERE entity = 'account'"},
}

// serverRows reads, table by table, the rows a first sync left on the
// server for its accounts.
func serverRows(tb testing.TB, path string, tables []keptTable) [][][]any {
	tb.Helper()
	var out [][][]any
	for _, t := range tables {
		rows := readRows(tb, path, `SELECT `+t.sel+` FROM `+t.table+t.where)
		if len(rows) < firstSyncRecords {
			tb.Fatalf("%s: %d rows for %d accounts", t.table, len(rows), firstSyncRecords)
		}
		out = append(out, rows)
	}
	return out
}

// insertServerRows inserts the rows of tables (as serverRows read them)
// the way insertRows inserts the accounts (one transaction, a prepared
// statement per table) into a database with the server's schema, with
// nothing else to do: no HTTP, no decoding, no checks, no conflicts to
// look for. It returns how long that took.
func insertServerRows(tb testing.TB, dir string, tables []keptTable, rows [][][]any) time.Duration {
	tb.Helper()
	n, err := openNodeErr(dir)
	if err != nil {
		tb.Fatal(err)
	}
	n.close()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "gatehouse.db")+"?_journal_mode=WAL&_synchronous=NORMAL")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	for i, t := range tables {
		cols := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rows[i][0])), ", ") + ")"
		into := t.table
		if t.cols != "" {
			into += " (" + t.cols + ")"
		}
		stmt, err := tx.Prepare(`INSERT INTO ` + into + ` VALUES ` + cols)
		if err != nil {
			tb.Fatal(err)
		}
		t0 := time.Now()
		for _, r := range rows[i] {
			if _, err := stmt.Exec(r...); err != nil {
				tb.Fatalf("%s: %v", t.table, err)
			}
		}
		stmt.Close()
		tb.Logf("%s: %d rows into %s in %s", filepath.Base(dir), len(rows[i]), t.table, time.Since(t0).Round(time.Millisecond))
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkChangeLatency measures how long one change takes to reach a
// second desktop with both sync loops running (nudged on write, 1 s poll).
//
//	go test -run '^$' -bench BenchmarkChangeLatency -benchtime 50x ./backend/replica/
func BenchmarkChangeLatency(b *testing.B) {
	_, _, ds := world(b, "A", "B")
	a, c := ds[0], ds[1]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, d := range ds {
		d.client.Interval = time.Second
		d.db.OnChange = d.client.Nudge
		go d.client.Run(ctx)
	}
	actx := a.as(b, adminEmail)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("Latency %d", i)
		start := time.Now()
		if _, err := a.accounts.SaveAccountDetails(actx, "", company(name)); err != nil {
			b.Fatal(err)
		}
		for c.count(b, `SELECT count(*) FROM accounts WHERE company_name = ?`, name) == 0 {
			time.Sleep(2 * time.Millisecond)
			if time.Since(start) > 30*time.Second {
				b.Fatal("the change never arrived")
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(lat[len(lat)/2].Seconds(), "p50-s")
	b.ReportMetric(lat[len(lat)*95/100].Seconds(), "p95-s")
}

// BenchmarkServerPushes: 200 desktops push one change each, over and over,
// concurrently on loopback; reports pushes per second and errors.
//
//	go test -run '^$' -bench BenchmarkServerPushes -benchtime 20x ./backend/replica/
func BenchmarkServerPushes(b *testing.B) {
	const clients = 200
	server, url, _ := world(b)
	acct, err := server.accounts.SaveAccountDetails(server.as(b, adminEmail), "", company("Pushes"))
	if err != nil {
		b.Fatal(err)
	}
	token := registerDevice(b, url, adminEmail)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var errs atomic.Int64
	var seq atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < b.N; i++ {
				n := seq.Add(1)
				ms := time.Now().UnixMilli()
				body := fmt.Sprintf(`{"changes":[{"id":"push-%d","entity":"account","entityId":%q,"op":"upsert","data":{"profile.name":"Client %d push %d"},"hlc":"%013d-%05d-client%06d"}]}`,
					n, acct.ID, c, i, ms, 0, c)
				req, _ := http.NewRequest(http.MethodPost, url+"/sync/push", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := hc.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(out), `"applied"`) {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(clients*b.N)/elapsed.Seconds(), "pushes/s")
	b.ReportMetric(float64(errs.Load()), "errors")
	if errs.Load() > 0 {
		b.Errorf("%d pushes failed", errs.Load())
	}
}
