package backend

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
)

// NewToken returns a random URL-safe secret of 256 bits, for links and
// sessions. Only HashToken(token) is ever stored.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no randomness: nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how tokens are stored: a high-entropy token needs no salt or
// slow hash, and an unsalted digest can be looked up by index.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewCode returns a random 6-digit code and a random salt for it.
func NewCode() (code, salt string) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return fmt.Sprintf("%06d", n.Int64()), NewToken()[:16]
}

// HashCode is how codes are stored: salted, so equal codes differ on disk.
// Six digits are guessable offline, which is why codes also expire within
// minutes and allow few tries.
func HashCode(salt, code string) string {
	sum := sha256.Sum256([]byte(salt + ":" + code))
	return hex.EncodeToString(sum[:])
}

// CodeMatches compares a typed code with a stored hash in constant time.
func CodeMatches(salt, hash, code string) bool {
	return subtle.ConstantTimeCompare([]byte(HashCode(salt, code)), []byte(hash)) == 1
}

// ValidCodeFormat reports whether s is six ASCII digits.
func ValidCodeFormat(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
