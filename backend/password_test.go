package backend_test

import (
	"context"
	"strings"
	"testing"

	"gatehouse/backend"
)

func TestPasswordPolicyCheck(t *testing.T) {
	for _, tt := range []struct {
		name     string
		policy   backend.PasswordPolicy
		password string
		want     []string
	}{
		{"OK", backend.PolicyDefault, "Blue-Harbor-71", nil},
		{"Empty", backend.PolicyDefault, "", []string{"required"}},
		{"Short", backend.PolicyDefault, "Bh-7", []string{"password_too_short"}},
		{"NoUpper", backend.PolicyDefault, "blue-harbor-71", []string{"password_no_upper"}},
		{"NoLower", backend.PolicyDefault, "BLUE-HARBOR-71", []string{"password_no_lower"}},
		{"NoDigit", backend.PolicyDefault, "Blue-Harbor-xy", []string{"password_no_digit"}},
		{"NoSpecial", backend.PolicyDefault, "BlueHarbor71", []string{"password_no_special"}},
		{"Common", backend.PolicyDefault, "qwerty", []string{"password_too_short", "password_no_upper", "password_no_digit", "password_no_special", "password_common"}},
		{"CommonDressedUp", backend.PolicyDefault, "Sunshine2024!", []string{"password_common"}},
		{"TooLong", backend.PolicyDefault, strings.Repeat("Ab1!", 300), []string{"password_too_long"}},
		{"CyrillicCounts", backend.PolicyDefault, "Пароль-Сложный-9", nil},
		{"NISTPassphrase", backend.PolicyNIST, "correct horse battery staple", nil},
		{"NISTShort", backend.PolicyNIST, "Blue-Harbor-71", []string{"password_too_short"}},
		{"NISTCommonStillRefused", backend.PolicyNIST, "polniypizdec0211", []string{"password_common"}},
		{"NISTOneLetter", backend.PolicyNIST, "aaaaaaaaaaaaaaaaaaa", []string{"password_repetitive"}},
		{"NISTDigitRun", backend.PolicyNIST, "123456789012345678", []string{"password_repetitive"}},
		{"NISTDigitRunDown", backend.PolicyNIST, "987654321098765", []string{"password_repetitive"}},
		{"NISTLetterRun", backend.PolicyNIST, "abcdefghijklmnop", []string{"password_repetitive"}},
		{"NISTWordTwice", backend.PolicyNIST, "passwordpassword", []string{"password_repetitive"}},
		{"NISTPairRepeated", backend.PolicyNIST, "ab12ab12ab12ab12", []string{"password_repetitive"}},
		{"NISTRunInsideIsFine", backend.PolicyNIST, "my 1234 horses are fast", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range tt.policy.Check(tt.password, "", "") {
				got = append(got, f.Code)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHasher(t *testing.T) {
	ctx := context.Background()
	h := backend.NewHasher(backend.DefaultArgon2, 2)
	enc, err := h.Hash(ctx, "Blue-Harbor-71")
	if err != nil {
		t.Fatal(err)
	}
	enc2, _ := h.Hash(ctx, "Blue-Harbor-71")
	if enc == enc2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	for _, tt := range []struct {
		name, password, encoded string
		ok                      bool
	}{
		{"Right", "Blue-Harbor-71", enc, true},
		{"Wrong", "Blue-Harbor-72", enc, false},
		{"NoAccount", "Blue-Harbor-71", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, tt.password, tt.encoded)
			if err != nil || ok != tt.ok || rehash {
				t.Fatalf("got ok=%v rehash=%v err=%v", ok, rehash, err)
			}
		})
	}
	stronger := backend.NewHasher(backend.Argon2Params{MemoryKiB: 32 * 1024, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if ok, rehash, err := stronger.Verify(ctx, "Blue-Harbor-71", enc); !ok || !rehash || err != nil {
		t.Fatalf("raised parameters: ok=%v rehash=%v err=%v", ok, rehash, err)
	}
	if _, _, err := h.Verify(ctx, "x", "$bcrypt$whatever"); err == nil {
		t.Fatal("foreign hash format accepted")
	}
}
