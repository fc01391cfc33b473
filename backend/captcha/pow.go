// Package captcha is a self-hosted captcha for the web version's self
// sign-up: a proof of work in the manner of hashcash, which needs no third
// party and shows the person nothing to solve. The browser spends a fraction
// of a second of CPU; a script registering thousands of accounts spends
// thousands of times that.
package captcha

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"gatehouse/backend"
)

// Spender records solved challenges so each passes once. It is kept in the
// database so that it survives restarts and is shared by every server.
type Spender interface {
	// SpendCaptcha records id as used until expires and reports whether it
	// was new.
	SpendCaptcha(ctx context.Context, id string, expires time.Time) (bool, error)
}

// MaxDifficulty bounds the difficulty: each bit doubles the browser's work,
// and 28 bits already take minutes.
const MaxDifficulty = 28

// PoW issues and checks proof-of-work challenges. A challenge is a token
// "v1.<id>.<difficulty>.<expiry>.<mac>" signed with Key, so the server keeps
// nothing until a solution arrives; the solution is the token, ":" and a
// decimal counter whose SHA-256 has Difficulty leading zero bits.
type PoW struct {
	Key        []byte // HMAC-SHA256 key; every server on the database shares it
	Difficulty int    // leading zero bits, 1..MaxDifficulty
	TTL        time.Duration
	Spent      Spender
	Now        func() time.Time // tests move it to test expiry
}

var _ backend.Captcha = (*PoW)(nil)

// New returns a proof-of-work captcha whose challenges stay valid ten
// minutes: long enough for a slow phone, short enough that a stock of
// solved challenges goes stale.
func New(key []byte, difficulty int, spent Spender) (*PoW, error) {
	if difficulty < 1 || difficulty > MaxDifficulty {
		return nil, fmt.Errorf("captcha difficulty %d: want 1 to %d bits", difficulty, MaxDifficulty)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("captcha key: want at least 32 bytes, have %d", len(key))
	}
	return &PoW{Key: key, Difficulty: difficulty, TTL: 10 * time.Minute, Spent: spent, Now: time.Now}, nil
}

// Challenge issues a new signed challenge.
func (p *PoW) Challenge(context.Context) (backend.CaptchaChallenge, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return backend.CaptchaChallenge{}, fmt.Errorf("captcha challenge: %w", err)
	}
	expires := p.Now().Add(p.TTL).Unix()
	body := fmt.Sprintf("v1.%s.%d.%d", base64.RawURLEncoding.EncodeToString(id[:]), p.Difficulty, expires)
	return backend.CaptchaChallenge{Kind: "pow", Token: body + "." + p.sign(body), Difficulty: p.Difficulty,
		ExpiresInSeconds: int(p.TTL / time.Second)}, nil
}

func (p *PoW) sign(body string) string {
	m := hmac.New(sha256.New, p.Key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks, cheapest first, the solution's form, signature, expiry,
// difficulty and work, and only then spends it in the database, so a
// request without the work costs no write. Errors: EINVALID on the field
// "captcha" (captcha_required, captcha_invalid, captcha_expired).
func (p *PoW) Verify(ctx context.Context, solution string) error {
	if solution == "" {
		return refuse("captcha_required")
	}
	token, counter, ok := strings.Cut(solution, ":")
	if !ok || counter == "" || len(counter) > 20 || strings.Trim(counter, "0123456789") != "" {
		return refuse("captcha_invalid")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 5 || parts[0] != "v1" {
		return refuse("captcha_invalid")
	}
	body := strings.Join(parts[:4], ".")
	if !hmac.Equal([]byte(parts[4]), []byte(p.sign(body))) {
		return refuse("captcha_invalid")
	}
	difficulty, err1 := strconv.Atoi(parts[2])
	expires, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return refuse("captcha_invalid") // signed by us, so only a key shared with another format gets here
	}
	expiry := time.Unix(expires, 0)
	if !p.Now().Before(expiry) {
		return refuse("captcha_expired")
	}
	// A challenge issued before the difficulty was raised is refused, so
	// raising it during an attack takes effect at once.
	if difficulty < p.Difficulty {
		return refuse("captcha_expired")
	}
	if LeadingZeroBits(sha256.Sum256([]byte(solution))) < difficulty {
		return refuse("captcha_invalid")
	}
	fresh, err := p.Spent.SpendCaptcha(ctx, parts[1], expiry)
	if err != nil {
		return fmt.Errorf("captcha verify: %w", err)
	}
	if !fresh {
		return refuse("captcha_expired")
	}
	return nil
}

func refuse(code string) error {
	var f backend.Fields
	f.Add(backend.CaptchaField, code, nil)
	return f.Err()
}

// LeadingZeroBits counts the zero bits at the start of a hash.
func LeadingZeroBits(sum [sha256.Size]byte) int {
	n := 0
	for _, b := range sum {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// Solve finds a solution to a challenge by trying counters in order, as the
// browser does; tests use it.
func Solve(token string, difficulty int) string {
	for i := uint64(0); ; i++ {
		s := token + ":" + strconv.FormatUint(i, 10)
		if LeadingZeroBits(sha256.Sum256([]byte(s))) >= difficulty {
			return s
		}
	}
}
