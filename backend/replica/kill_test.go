package replica_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/replica"
	"gatehouse/backend/store/storetest"
)

// The kill test runs the server and a desktop as child processes (this test
// binary again, told what to be by GATEHOUSE_SYNC_CHILD) and SIGKILLs them
// at random moments while the desktop writes and syncs.

func TestMain(m *testing.M) {
	switch os.Getenv("GATEHOUSE_SYNC_CHILD") {
	case "server":
		childServer(os.Getenv("GATEHOUSE_SYNC_DIR"), os.Getenv("GATEHOUSE_SYNC_ADDR"))
	case "desktop":
		childDesktop(os.Getenv("GATEHOUSE_SYNC_DIR"))
	default:
		os.Exit(m.Run())
	}
}

func childServer(dir, addr string) {
	n, err := openNodeErr(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	s := &replica.Server{DB: n.db, Users: n.users, Files: n.files, UploadDir: filepath.Join(dir, "uploads"), Log: quiet, MaxSkew: 5 * time.Minute}
	fmt.Fprintln(os.Stderr, http.ListenAndServe(addr, s.Handler()))
	os.Exit(2)
}

// childDesktop creates an account, and syncs after every third, until killed.
func childDesktop(dir string) {
	n, err := openNodeErr(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	sess, err := n.users.SignIn(ctx, backend.SignInInput{Email: adminEmail, Password: "Blue-Harbor-71"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	uctx := backend.NewContextWithUser(ctx, sess.User)
	n.client.HTTP = &http.Client{Timeout: 2 * time.Second}
	for i := 0; ; i++ {
		if _, err := n.accounts.SaveAccountDetails(uctx, "", company(fmt.Sprintf("Kill %d-%d", os.Getpid(), i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if i%3 == 2 {
			n.client.SyncNow(ctx) // the server may be down: the next round catches up
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type child struct {
	cmd  *exec.Cmd
	done chan error
}

func start(t *testing.T, role, dir, addr string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GATEHOUSE_SYNC_CHILD="+role, "GATEHOUSE_SYNC_DIR="+dir, "GATEHOUSE_SYNC_ADDR="+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	return c
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGKILL)
	if err := <-c.done; err == nil || !isKilled(err) {
		t.Fatalf("child ended by itself: %v", err)
	}
}

func isKilled(err error) bool {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			return ws.Signaled() && ws.Signal() == syscall.SIGKILL
		}
	}
	return false
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for range 200 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the server never listened on %s", addr)
}

// TestKillDuringSync kills the desktop and the server at random points
// while the desktop writes and syncs, many times, then lets them finish:
// every change the desktop committed is on the server exactly once, and
// both hold the same accounts.
func TestKillDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for several seconds")
	}
	root := t.TempDir()
	serverDir, desktopDir := filepath.Join(root, "server"), filepath.Join(root, "desktop")
	if _, err := storetest.Path(t, serverDir); err != nil { // dropped at the end, on PostgreSQL
		t.Fatal(err)
	}
	addr := freeAddr(t)
	url := "http://" + addr

	// Set up: a verified administrator on the server, the desktop connected.
	setup := func(dir string) *node {
		n, err := openNodeErr(dir)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	s := setup(serverDir)
	s.verified(t, person("Olga Admin", adminEmail, "+7 912 000-00-01"))
	s.close()
	server := start(t, "server", serverDir, addr)
	waitListening(t, addr)
	d := setup(desktopDir)
	if err := d.client.Connect(context.Background(), url, adminEmail, "Blue-Harbor-71", "kill-test"); err != nil {
		t.Fatal(err)
	}
	d.sync(t)
	d.close()

	desktop := start(t, "desktop", desktopDir, addr)
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	kills := 0
	for range 24 {
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
		if rng.IntN(3) == 0 {
			server.kill(t)
			server = start(t, "server", serverDir, addr)
			waitListening(t, addr)
		} else {
			desktop.kill(t)
			desktop = start(t, "desktop", desktopDir, addr)
		}
		kills++
	}
	desktop.kill(t)
	defer server.kill(t)

	// Recovery: the desktop syncs until nothing is pending.
	d = setup(desktopDir)
	defer d.close()
	for i := 0; ; i++ {
		err := d.client.SyncNow(context.Background())
		n, _ := d.db.PendingCount(context.Background())
		if err == nil && n == 0 {
			break
		}
		if i > 50 {
			t.Fatalf("still %d pending after recovery: %v", n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s = setup(serverDir)
	defer s.close()

	local := d.count(t, `SELECT count(*) FROM changes WHERE origin = ''`)
	var device string
	d.raw.QueryRow(`SELECT value FROM sync_state WHERE key = 'device_id'`).Scan(&device)
	onServer := s.count(t, `SELECT count(*) FROM changes WHERE origin = ?`, device)
	accounts := d.count(t, `SELECT count(*) FROM accounts`)
	t.Logf("%d kills, %d accounts, %d changes written on the desktop", kills, accounts, local)
	if accounts < 10 {
		t.Fatalf("only %d accounts written: the desktop hardly ran", accounts)
	}
	if onServer != local {
		t.Errorf("the desktop committed %d changes; the server holds %d of them", local, onServer)
	}
	// Every desktop change id is on the server, once (ids are unique there).
	rows, err := d.raw.Query(`SELECT id FROM changes WHERE origin = ''`)
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for rows.Next() {
		var id string
		rows.Scan(&id)
		if s.count(t, `SELECT count(*) FROM changes WHERE id = ?`, id) != 1 {
			missing++
		}
	}
	rows.Close()
	if missing > 0 {
		t.Errorf("%d of the desktop's changes are not on the server exactly once", missing)
	}
	if got, want := s.dump(t), d.dump(t); got != want {
		t.Errorf("server and desktop differ:\n%s", diff(want, got))
	}
	if n := s.count(t, `SELECT count(*) FROM accounts`); n != accounts {
		t.Errorf("server has %d accounts, desktop %d", n, accounts)
	}
}
