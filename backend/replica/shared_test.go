package replica_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gatehouse/backend/replica"
)

// TestServersShareOneDatabase runs two sync servers on one database, as
// two `gatehouse serve` processes behind a load balancer would (each its
// own connection pool), with desktops on both pushing and pulling at the
// same time. Every desktop ends with every change, none twice: the change
// log's sequence commits in order whichever server wrote it, so no pull
// cursor passes a change still being committed. On PostgreSQL a push
// through one server also wakes the desktops waiting on the other.
func TestServersShareOneDatabase(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := newNode(t, "server")
	a.verified(t, person("Olga Admin", adminEmail, "+7 912 000-00-01"))
	b, err := openNodeAt(filepath.Join(t.TempDir(), "server-b"), a.db.Path)
	if err != nil {
		t.Fatal(err)
	}
	b.name = "server-b"
	t.Cleanup(b.close)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	urls := map[*node]string{}
	for _, n := range []*node{a, b} {
		s := &replica.Server{DB: n.db, Users: n.users, Files: n.files, UploadDir: t.TempDir(), Log: quiet, MaxSkew: 5 * time.Minute}
		n.db.OnChange = s.Notify
		wg.Go(func() { n.db.ListenChanges(ctx, s.Notify, func(err error) { t.Logf("%s: listen: %v", n.name, err) }) })
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		urls[n] = srv.URL
	}
	var desktops []*node
	for i, name := range []string{"A1", "A2", "B1", "B2"} {
		d := newNode(t, name)
		via := a
		if i >= 2 {
			via = b
		}
		if err := d.client.Connect(ctx, urls[via], adminEmail, "Blue-Harbor-71", name); err != nil {
			t.Fatalf("%s: connect: %v", name, err)
		}
		d.sync(t) // brings the administrator, to sign in with
		desktops = append(desktops, d)
	}

	if a.db.Postgres() {
		// B1's long poll on server B wakes when A1 pushes through A.
		token := registerDevice(t, urls[b], adminEmail)
		last, _ := b.db.LastSeq(ctx)
		got := startWatch(urls[b], token, last, 30)
		time.Sleep(200 * time.Millisecond)
		if _, err := desktops[0].accounts.SaveAccountDetails(desktops[0].as(t, adminEmail), "", company("Woken Ltd")); err != nil {
			t.Fatal(err)
		}
		desktops[0].sync(t)
		select {
		case body := <-got:
			if body != `{"changed":true}` {
				t.Fatalf("watch on server B answered %s", body)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a push through server A did not wake the watch on server B")
		}
	}

	// All four at once: writes, pushes and pulls through both servers.
	const rounds = 12
	errs := make(chan error, len(desktops))
	var work sync.WaitGroup
	for _, d := range desktops {
		uctx := d.as(t, adminEmail)
		work.Go(func() {
			for i := range rounds {
				if _, err := d.accounts.SaveAccountDetails(uctx, "", company(fmt.Sprintf("%s Ltd %02d", d.name, i))); err != nil {
					errs <- fmt.Errorf("%s: %w", d.name, err)
					return
				}
				if err := d.client.SyncNow(ctx); err != nil {
					errs <- fmt.Errorf("%s: sync: %w", d.name, err)
					return
				}
			}
		})
	}
	work.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	converge(t, a, desktops...)
	if got, want := b.dump(t), a.dump(t); got != want {
		t.Fatalf("the servers differ:\n%s", diff(want, got))
	}
	want := len(desktops) * rounds
	if a.db.Postgres() {
		want++ // Woken Ltd
	}
	for _, d := range desktops {
		if n := d.count(t, `SELECT count(*) FROM accounts`); n != want {
			t.Errorf("%s holds %d accounts, want %d", d.name, n, want)
		}
	}
	if n := a.count(t, `SELECT count(*) FROM (SELECT id FROM changes GROUP BY id HAVING count(*) > 1) AS twice`); n != 0 {
		t.Errorf("%d changes logged twice on the server", n)
	}
}
