package captcha_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/captcha"
	"gatehouse/backend/store"
)

func newPoW(t *testing.T, difficulty int) (*captcha.PoW, *time.Time) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := db.CaptchaKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := captcha.New(key, difficulty, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p.Now = func() time.Time { return now }
	db.Now = p.Now
	return p, &now
}

// fieldCode is the code of the captcha field error, "" for nil.
func fieldCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *backend.Error
	if !errors.As(err, &e) || e.Code != backend.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "captcha" {
		t.Fatalf("want a field error on captcha, got %v", err)
	}
	return e.Fields[0].Code
}

// wrongCounter returns a counter for token that does not do the work.
func wrongCounter(token string, difficulty int) string {
	for i := 0; ; i++ {
		s := token + ":" + strconv.Itoa(i)
		if captcha.LeadingZeroBits(sha256.Sum256([]byte(s))) < difficulty {
			return s
		}
	}
}

func TestPoW(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// solution builds what the client sends, given the service and a
		// fresh challenge; it may move the clock.
		solution func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string
		want     string
	}{
		{"OK", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			return captcha.Solve(c.Token, c.Difficulty)
		}, ""},
		{"ErrRequired", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			return ""
		}, "captcha_required"},
		{"ErrWrongCounter", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			return wrongCounter(c.Token, c.Difficulty)
		}, "captcha_invalid"},
		{"ErrNotACounter", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			return c.Token + ":-1"
		}, "captcha_invalid"},
		{"ErrTamperedSignature", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			i := strings.LastIndex(c.Token, ".")
			flipped := "A"
			if c.Token[i+1] == 'A' {
				flipped = "B"
			}
			return captcha.Solve(c.Token[:i+1]+flipped+c.Token[i+2:], c.Difficulty)
		}, "captcha_invalid"},
		{"ErrTamperedDifficulty", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			parts := strings.Split(c.Token, ".")
			parts[2] = "1"
			return captcha.Solve(strings.Join(parts, "."), 1)
		}, "captcha_invalid"},
		{"ErrOtherKey", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			other, _ := newPoW(t, c.Difficulty)
			oc, err := other.Challenge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return captcha.Solve(oc.Token, oc.Difficulty)
		}, "captcha_invalid"},
		{"ErrExpired", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			*now = now.Add(time.Duration(c.ExpiresInSeconds) * time.Second)
			return captcha.Solve(c.Token, c.Difficulty)
		}, "captcha_expired"},
		{"ErrReplayed", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			s := captcha.Solve(c.Token, c.Difficulty)
			if err := p.Verify(ctx, s); err != nil {
				t.Fatalf("first use: %v", err)
			}
			return s
		}, "captcha_expired"},
		{"ErrDifficultyTooLow", func(t *testing.T, p *captcha.PoW, now *time.Time, c backend.CaptchaChallenge) string {
			// Issued before the difficulty was raised: solved as asked,
			// refused all the same.
			s := captcha.Solve(c.Token, c.Difficulty)
			p.Difficulty = c.Difficulty + 2
			return s
		}, "captcha_expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, now := newPoW(t, 8)
			c, err := p.Challenge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != "pow" || c.Difficulty != 8 || c.ExpiresInSeconds != 600 {
				t.Fatalf("challenge %+v", c)
			}
			if got := fieldCode(t, p.Verify(ctx, tt.solution(t, p, now, c))); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPoWSpentSharedAndPurged: a second server on the same database refuses
// a solution the first accepted, and spent challenges are deleted once they
// have expired.
func TestPoWSpentSharedAndPurged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	var servers []*captcha.PoW
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for range 2 {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.Now = func() time.Time { return now }
		key, err := db.CaptchaKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := captcha.New(key, 6, db)
		if err != nil {
			t.Fatal(err)
		}
		p.Now = db.Now
		servers = append(servers, p)
	}
	c, err := servers[0].Challenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := captcha.Solve(c.Token, c.Difficulty)
	if err := servers[1].Verify(ctx, s); err != nil {
		t.Fatalf("other server: %v", err)
	}
	if got := fieldCode(t, servers[0].Verify(ctx, s)); got != "captcha_expired" {
		t.Fatalf("replay on the first server: %q", got)
	}
	if n := spentRows(t, path); n != 1 {
		t.Fatalf("spent rows %d, want 1", n)
	}
	now = now.Add(11 * time.Minute)
	c2, _ := servers[0].Challenge(ctx)
	if err := servers[0].Verify(ctx, captcha.Solve(c2.Token, c2.Difficulty)); err != nil {
		t.Fatal(err)
	}
	if n := spentRows(t, path); n != 1 {
		t.Fatalf("spent rows after expiry %d, want 1 (the old one purged)", n)
	}
}

func spentRows(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM captcha_spent`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewRefusesBadSettings(t *testing.T) {
	key := make([]byte, 32)
	for _, d := range []int{0, captcha.MaxDifficulty + 1} {
		if _, err := captcha.New(key, d, nil); err == nil {
			t.Errorf("difficulty %d accepted", d)
		}
	}
	if _, err := captcha.New(key[:8], 10, nil); err == nil {
		t.Error("short key accepted")
	}
}
