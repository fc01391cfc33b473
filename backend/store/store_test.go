package store_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/store"
	"gatehouse/backend/store/storetest"
)

// clock is a test clock that only moves when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a real SQLite database in a temporary folder with the account
// service over it, and a second, plain connection to look at the rows.
type env struct {
	db    *store.DB
	svc   *store.UserService
	clock *clock
	raw   *store.Conn
}

// MustOpenDB opens a fresh database: a file in a temporary folder, or a
// schema of its own on the PostgreSQL server GATEHOUSE_TEST_POSTGRES names.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), storetest.MustPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	db := MustOpenDB(tb)
	c := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	svc := store.NewUserService(db, backend.NewHasher(backend.DefaultArgon2, 0), store.UserOptions{LinkBase: "gatehouse:/", DefaultRegion: "RU"})
	tb.Cleanup(svc.Close)
	raw, err := db.OpenConn()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return &env{db: db, svc: svc, clock: c, raw: raw}
}

func (e *env) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := e.raw.QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

type sent struct{ channel, to, subject, body string }

// outbox returns the messages queued so far, oldest first.
func (e *env) outbox(tb testing.TB) []sent {
	tb.Helper()
	e.svc.Flush()
	rows, err := e.raw.Query(`SELECT channel, recipient, subject, body FROM outbox ORDER BY created_at, id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []sent
	for rows.Next() {
		var m sent
		if err := rows.Scan(&m.channel, &m.to, &m.subject, &m.body); err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// last returns the newest queued message to a recipient.
func (e *env) last(tb testing.TB, to string) sent {
	tb.Helper()
	msgs := e.outbox(tb)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].to == to {
			return msgs[i]
		}
	}
	tb.Fatalf("no message to %s in %v", to, msgs)
	return sent{}
}

var (
	tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)
	codeRE  = regexp.MustCompile(`\b(\d{6})\b`)
)

func (m sent) token(tb testing.TB) string {
	tb.Helper()
	sm := tokenRE.FindStringSubmatch(m.body)
	if sm == nil {
		tb.Fatalf("no link token in %q", m.body)
	}
	return sm[1]
}

func (m sent) code(tb testing.TB) string {
	tb.Helper()
	sm := codeRE.FindStringSubmatch(m.body)
	if sm == nil {
		tb.Fatalf("no code in %q", m.body)
	}
	return sm[1]
}

func validInput() backend.RegisterInput {
	return backend.RegisterInput{Name: "Anna Petrova", Email: "Anna.Petrova@Example.com", Password: "Blue-Harbor-71",
		PasswordConfirm: "Blue-Harbor-71", Phone: "+7 912 345-67-89", TimeZone: "Europe/Moscow", AcceptTerms: true, AcceptPrivacy: true}
}

// register signs up in and returns the canonical email.
func (e *env) register(tb testing.TB, in backend.RegisterInput) string {
	tb.Helper()
	res, err := e.svc.Register(context.Background(), in)
	if err != nil {
		tb.Fatalf("register: %v", err)
	}
	return res.Email
}

// verifiedUser registers, verifies the email and the phone, and returns a
// signed-in context.
func (e *env) verifiedUser(tb testing.TB, in backend.RegisterInput) (context.Context, *backend.Session) {
	tb.Helper()
	ctx := context.Background()
	email := e.register(tb, in)
	if err := e.svc.VerifyEmail(ctx, e.last(tb, email).token(tb)); err != nil {
		tb.Fatal(err)
	}
	sess, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password})
	if err != nil {
		tb.Fatal(err)
	}
	uctx := backend.NewContextWithUser(ctx, sess.User)
	if _, err := e.svc.SendPhoneCode(uctx); err != nil {
		tb.Fatal(err)
	}
	u, err := e.svc.VerifyPhone(uctx, e.last(tb, sess.User.Phone).code(tb))
	if err != nil {
		tb.Fatal(err)
	}
	sess.User = u
	return backend.NewContextWithUser(ctx, u), sess
}

// fieldCodes returns field -> error code of an EINVALID error.
func fieldCodes(tb testing.TB, err error) map[string]string {
	tb.Helper()
	var e *backend.Error
	if err == nil {
		tb.Fatal("want an error, got nil")
	}
	if !errors.As(err, &e) || e.Code != backend.EINVALID {
		tb.Fatalf("want EINVALID, got %v", err)
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = f.Code
		}
	}
	return out
}

// MustWritable opens a second writable connection, for tests that set up
// rows the services would never write (an old hash, say).
func MustWritable(tb testing.TB, e *env) *store.Conn {
	tb.Helper()
	rw, err := e.db.OpenConn()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rw.Close() })
	return rw
}
