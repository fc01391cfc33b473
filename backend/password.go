package backend

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PasswordPolicy is the rule a new password must meet.
type PasswordPolicy struct {
	Name           string `json:"name"`
	MinLength      int    `json:"minLength"`
	MaxLength      int    `json:"maxLength"`
	RequireUpper   bool   `json:"requireUpper"`
	RequireLower   bool   `json:"requireLower"`
	RequireDigit   bool   `json:"requireDigit"`
	RequireSpecial bool   `json:"requireSpecial"`
}

// MaxPasswordLength bounds the work a hash does on hostile input.
const MaxPasswordLength = 1024

var (
	// PolicyDefault is the seed's rule: eight characters with an uppercase
	// and a lowercase letter, a digit and a special character.
	PolicyDefault = PasswordPolicy{Name: "default", MinLength: 8, MaxLength: MaxPasswordLength,
		RequireUpper: true, RequireLower: true, RequireDigit: true, RequireSpecial: true}
	// PolicyNIST follows NIST SP 800-63B for single-factor passwords: length
	// over composition, plus the block-list every policy has.
	PolicyNIST = PasswordPolicy{Name: "nist", MinLength: 15, MaxLength: MaxPasswordLength}
)

// PolicyByName returns a preset policy.
func PolicyByName(name string) (PasswordPolicy, bool) {
	switch name {
	case PolicyDefault.Name:
		return PolicyDefault, true
	case PolicyNIST.Name:
		return PolicyNIST, true
	}
	return PasswordPolicy{}, false
}

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the block-list: the 10,000 most common passwords of the
// zxcvbn-ts corpus (MIT), lower case.
var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{}, 10000)
	for _, p := range strings.Split(commonPasswordsText, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			m[strings.ToLower(p)] = struct{}{}
		}
	}
	return m
}()

// isCommonPassword reports a block-listed password, also when dressed up
// with a capital letter and leading or trailing digits and symbols
// ("Password1!"), which is how composition rules are usually met.
func isCommonPassword(p string) bool {
	lower := strings.ToLower(p)
	if _, ok := commonPasswords[lower]; ok {
		return true
	}
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(core) >= 4 {
		if _, ok := commonPasswords[core]; ok {
			return true
		}
	}
	return false
}

// isRepetitive reports a password that is one piece repeated ("aaaaaaaa",
// "passwordpassword") or a run of consecutive characters ("123456789012",
// "abcdefghijklmno", either way; digits wrap from 9 to 0), which NIST SP
// 800-63B asks verifiers to refuse. Length alone does not make them hard
// to guess.
func isRepetitive(p string) bool {
	r := []rune(strings.ToLower(p))
	if len(r) < 4 {
		return false
	}
	for unit := 1; unit <= len(r)/2; unit++ {
		repeated := true
		for i := unit; i < len(r); i++ {
			if r[i] != r[i-unit] {
				repeated = false
				break
			}
		}
		if repeated {
			return true
		}
	}
	step := func(a, b rune) rune {
		if unicode.IsDigit(a) && unicode.IsDigit(b) {
			return (b - a + 10) % 10 // 9 -> 0 continues 1, 2, ... 9
		}
		return b - a
	}
	d := step(r[0], r[1])
	if d != 1 && d != -1 && d != 9 {
		return false
	}
	for i := 2; i < len(r); i++ {
		if step(r[i-1], r[i]) != d {
			return false
		}
	}
	return true
}

// Check lists every reason the password breaks the policy, all under the
// field "password". email and name, when given, must not appear in it.
func (p PasswordPolicy) Check(password, email, name string) Fields {
	var f Fields
	const field = "password"
	n := utf8.RuneCountInString(password)
	if password == "" {
		f.Add(field, "required", nil)
		return f
	}
	if n > p.MaxLength {
		f.Add(field, "password_too_long", map[string]any{"max": p.MaxLength})
		return f
	}
	if n < p.MinLength {
		f.Add(field, "password_too_short", map[string]any{"min": p.MinLength})
	}
	var upper, lower, digit, special bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ':
			special = true
		}
	}
	if p.RequireUpper && !upper {
		f.Add(field, "password_no_upper", nil)
	}
	if p.RequireLower && !lower {
		f.Add(field, "password_no_lower", nil)
	}
	if p.RequireDigit && !digit {
		f.Add(field, "password_no_digit", nil)
	}
	if p.RequireSpecial && !special {
		f.Add(field, "password_no_special", nil)
	}
	if isCommonPassword(password) {
		f.Add(field, "password_common", nil)
	} else if isRepetitive(password) {
		f.Add(field, "password_repetitive", nil)
	}
	if containsPersonal(password, email, name) {
		f.Add(field, "password_contains_personal", nil)
	}
	return f
}

// containsPersonal reports a password that contains the email's local part
// or a part of the name (four letters or more: shorter ones occur by chance).
func containsPersonal(password, email, name string) bool {
	lp := strings.ToLower(password)
	parts := strings.Fields(strings.ToLower(name))
	if at := strings.IndexByte(email, '@'); at > 0 {
		parts = append(parts, strings.ToLower(email[:at]))
	}
	for _, s := range parts {
		if utf8.RuneCountInString(s) >= 4 && strings.Contains(lp, s) {
			return true
		}
	}
	return false
}

// Argon2Params are the argon2id cost parameters. They are written into
// every hash, so raising them later only affects new hashes, and a sign-in
// with an old hash re-hashes it with the new ones.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   int
	KeyLen    uint32
}

// DefaultArgon2 is OWASP's recommended minimum for argon2id (m=19 MiB, t=2, p=1).
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Hasher hashes and verifies passwords with argon2id. At most a fixed
// number of hashes run at once, so that a burst of sign-ins queues instead of
// allocating 19 MiB each: memory stays bounded at Concurrency x MemoryKiB.
type Hasher struct {
	Params Argon2Params
	sem    chan struct{}
	dummy  string
}

// NewHasher returns a hasher that runs at most concurrency hashes at once
// (the number of CPUs when concurrency <= 0).
func NewHasher(p Argon2Params, concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.NumCPU()
	}
	h := &Hasher{Params: p, sem: make(chan struct{}, concurrency)}
	h.dummy = h.encode(make([]byte, p.SaltLen), argon2.IDKey([]byte("gatehouse"), make([]byte, p.SaltLen), p.Time, p.MemoryKiB, p.Threads, p.KeyLen), p)
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for password hasher: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the PHC-style encoding of an argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.Params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	p := h.Params
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return h.encode(salt, key, p), nil
}

func (h *Hasher) encode(salt, key []byte, p Argon2Params) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches encoded, and whether encoded was
// made with weaker parameters than the hasher's and should be replaced.
// An empty encoded verifies against a dummy hash of the same cost, so that
// an unknown account takes as long as a known one.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if encoded == "" {
		encoded = h.dummy
		defer func() { ok, rehash = false, false }()
	}
	var p Argon2Params
	var version int
	var saltB64, keyB64 string
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, fmt.Errorf("verify password: unknown hash format")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, fmt.Errorf("verify password: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, false, fmt.Errorf("verify password: parameters: %w", err)
	}
	saltB64, keyB64 = parts[4], parts[5]
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(saltB64)
	want, err2 := b64.DecodeString(keyB64)
	if err1 != nil || err2 != nil {
		return false, false, fmt.Errorf("verify password: bad encoding")
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	cur := h.Params
	rehash = ok && (p.MemoryKiB < cur.MemoryKiB || p.Time < cur.Time || p.Threads < cur.Threads || uint32(len(want)) < cur.KeyLen)
	return ok, rehash, nil
}
