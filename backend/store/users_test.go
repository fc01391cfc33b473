package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/backend"
)

func TestRegister(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		res, err := e.svc.Register(context.Background(), validInput())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Email, "anna.petrova@example.com"; got != want {
			t.Fatalf("email: got %q, want %q", got, want)
		}
		if got, want := res.ResendAfterSeconds, 60; got != want {
			t.Fatalf("cooldown: got %d, want %d", got, want)
		}
		var phone, tz, role, hash string
		if err := e.raw.QueryRow(`SELECT phone, time_zone, role, password_hash FROM users`).Scan(&phone, &tz, &role, &hash); err != nil {
			t.Fatal(err)
		}
		if phone != "+79123456789" || tz != "Europe/Moscow" || role != "admin" {
			t.Fatalf("stored phone=%s tz=%s role=%s", phone, tz, role)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Fatalf("hash %q is not argon2id with OWASP parameters", hash)
		}
		if got := e.count(t, `SELECT count(*) FROM consents WHERE version = ? AND accepted_at > 0`, backend.TermsVersion); got != 2 {
			t.Fatalf("consents: got %d, want 2", got)
		}
		if got := e.count(t, `SELECT count(*) FROM changes`); got != 3 { // the user and two consents
			t.Fatalf("changes: got %d, want 3", got)
		}
		m := e.last(t, "anna.petrova@example.com")
		if !strings.Contains(m.body, "gatehouse://verify-email?token=") || m.code(t) == "" {
			t.Fatalf("verification email lacks link or code: %q", m.body)
		}
		// Secrets are stored hashed: neither the link token nor the code
		// appears in the tokens table.
		if n := e.count(t, `SELECT count(*) FROM tokens WHERE secret_hash IN (?, ?) OR secret_hash = ?`, m.token(t), m.code(t), backend.HashToken(m.token(t))); n != 1 {
			t.Fatalf("want exactly the hashed link token stored, found %d matches", n)
		}
	})

	t.Run("SecondUserIsCustomer", func(t *testing.T) {
		e := newEnv(t)
		e.register(t, validInput())
		in := validInput()
		in.Email = "boris@example.com"
		e.register(t, in)
		if n := e.count(t, `SELECT count(*) FROM users WHERE email = 'boris@example.com' AND role = 'customer'`); n != 1 {
			t.Fatal("second user should be a customer")
		}
	})

	long := strings.Repeat("a", 129)
	for _, tt := range []struct {
		name  string
		edit  func(in *backend.RegisterInput)
		field string
		code  string
	}{
		{"ErrNameRequired", func(in *backend.RegisterInput) { in.Name = "  " }, "name", "required"},
		{"ErrNameTooLong", func(in *backend.RegisterInput) { in.Name = long }, "name", "too_long"},
		{"ErrNameZeroWidth", func(in *backend.RegisterInput) { in.Name = "Anna\u200bPetrova" }, "name", "invisible_chars"},
		{"ErrNameRTLMark", func(in *backend.RegisterInput) { in.Name = "Anna \u202ePetrova" }, "name", "invisible_chars"},
		{"ErrEmailRequired", func(in *backend.RegisterInput) { in.Email = "" }, "email", "required"},
		{"ErrEmailMalformed", func(in *backend.RegisterInput) { in.Email = "anna@" }, "email", "email_invalid"},
		{"ErrEmailNoDomainDot", func(in *backend.RegisterInput) { in.Email = "anna@localhost" }, "email", "email_invalid"},
		{"ErrEmailTooLong", func(in *backend.RegisterInput) { in.Email = strings.Repeat("a", 250) + "@x.io" }, "email", "too_long"},
		{"ErrEmailHomoglyph", func(in *backend.RegisterInput) { in.Email = "anna@gооgle.com" }, "email", "email_mixed_script"},
		{"ErrEmailCyrillicLocal", func(in *backend.RegisterInput) { in.Email = "аnna@example.com" }, "email", "email_local_ascii"},
		{"ErrEmailZeroWidth", func(in *backend.RegisterInput) { in.Email = "an\u200dna@example.com" }, "email", "invisible_chars"},
		{"ErrPasswordShort", func(in *backend.RegisterInput) { in.Password, in.PasswordConfirm = "Ab1!", "Ab1!" }, "password", "password_too_short"},
		{"ErrPasswordNoSpecial", func(in *backend.RegisterInput) { in.Password, in.PasswordConfirm = "BlueHarbor71", "BlueHarbor71" }, "password", "password_no_special"},
		{"ErrPasswordCommon", func(in *backend.RegisterInput) { in.Password, in.PasswordConfirm = "Password1!", "Password1!" }, "password", "password_common"},
		{"ErrPasswordPersonal", func(in *backend.RegisterInput) {
			in.Password, in.PasswordConfirm = "Zq-Petrova-2026", "Zq-Petrova-2026"
		}, "password", "password_contains_personal"},
		{"ErrPasswordTooLong", func(in *backend.RegisterInput) {
			in.Password = strings.Repeat("Aa1!", 257)
			in.PasswordConfirm = in.Password
		}, "password", "password_too_long"},
		{"ErrPasswordMismatch", func(in *backend.RegisterInput) { in.PasswordConfirm = "Blue-Harbor-72" }, "passwordConfirm", "password_mismatch"},
		{"ErrPhoneRequired", func(in *backend.RegisterInput) { in.Phone = "" }, "phone", "required"},
		{"ErrPhoneInvalid", func(in *backend.RegisterInput) { in.Phone = "+7 123" }, "phone", "phone_invalid"},
		{"ErrPhoneLetters", func(in *backend.RegisterInput) { in.Phone = "call me" }, "phone", "phone_invalid"},
		{"ErrTimeZone", func(in *backend.RegisterInput) { in.TimeZone = "Mars/Olympus" }, "timeZone", "timezone_invalid"},
		{"ErrTimeZoneLocal", func(in *backend.RegisterInput) { in.TimeZone = "Local" }, "timeZone", "timezone_invalid"},
		{"ErrTerms", func(in *backend.RegisterInput) { in.AcceptTerms = false }, "acceptTerms", "consent_required"},
		{"ErrPrivacy", func(in *backend.RegisterInput) { in.AcceptPrivacy = false }, "acceptPrivacy", "consent_required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			in := validInput()
			tt.edit(&in)
			_, err := e.svc.Register(context.Background(), in)
			if got := fieldCodes(t, err)[tt.field]; got != tt.code {
				t.Fatalf("field %s: got %q, want %q (all: %v)", tt.field, got, tt.code, err)
			}
			for _, table := range []string{"users", "consents", "tokens", "outbox", "changes"} {
				if n := e.count(t, `SELECT count(*) FROM `+table); n != 0 {
					t.Fatalf("refused sign-up wrote %d rows to %s", n, table)
				}
			}
		})
	}

	t.Run("DuplicateIsNeutral", func(t *testing.T) {
		e := newEnv(t)
		first, err := e.svc.Register(context.Background(), validInput())
		if err != nil {
			t.Fatal(err)
		}
		in := validInput()
		in.Email = "ANNA.PETROVA@example.COM" // the same account, other case
		second, err := e.svc.Register(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if first != second {
			t.Fatalf("answers differ: %+v vs %+v", first, second)
		}
		if n := e.count(t, `SELECT count(*) FROM users`); n != 1 {
			t.Fatalf("users: got %d, want 1", n)
		}
		// The owner is told by email, once per cooldown; the first
		// registration's verification email is still within its cooldown.
		e.clock.Add(2 * time.Minute)
		if _, err := e.svc.Register(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		if m := e.last(t, "anna.petrova@example.com"); !strings.Contains(m.subject, "tried to register") {
			t.Fatalf("owner not told: %+v", m)
		}
	})
}

func TestVerifyEmail(t *testing.T) {
	ctx := context.Background()
	t.Run("LinkOnce", func(t *testing.T) {
		e := newEnv(t)
		email := e.register(t, validInput())
		token := e.last(t, email).token(t)
		if err := e.svc.VerifyEmail(ctx, token); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, `SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL`); n != 1 {
			t.Fatal("email not verified")
		}
		if err := e.svc.VerifyEmail(ctx, token); backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("reused link: got %v, want EINVALID", err)
		}
	})
	t.Run("LinkExpiresAfter24h", func(t *testing.T) {
		e := newEnv(t)
		email := e.register(t, validInput())
		token := e.last(t, email).token(t)
		e.clock.Add(24*time.Hour + time.Second)
		if err := e.svc.VerifyEmail(ctx, token); backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("expired link: got %v", err)
		}
		if n := e.count(t, `SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL`); n != 0 {
			t.Fatal("expired link verified the email")
		}
	})
	t.Run("ForgedLink", func(t *testing.T) {
		e := newEnv(t)
		e.register(t, validInput())
		for _, tok := range []string{"", "x", strings.Repeat("A", 43), strings.Repeat("A", 4000)} {
			if err := e.svc.VerifyEmail(ctx, tok); backend.ErrorCode(err) != backend.EINVALID {
				t.Fatalf("forged %q: got %v", tok, err)
			}
		}
	})
	t.Run("Code", func(t *testing.T) {
		e := newEnv(t)
		email := e.register(t, validInput())
		code := e.last(t, email).code(t)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		if got := fieldCodes(t, e.svc.VerifyEmailCode(ctx, email, wrong))["code"]; got != "code_invalid" {
			t.Fatalf("wrong code: %s", got)
		}
		if got := fieldCodes(t, e.svc.VerifyEmailCode(ctx, email, "12a456"))["code"]; got != "code_format" {
			t.Fatalf("malformed code: %s", got)
		}
		if got := fieldCodes(t, e.svc.VerifyEmailCode(ctx, "nobody@example.com", code))["code"]; got != "code_invalid" {
			t.Fatalf("unknown email: %s", got)
		}
		if err := e.svc.VerifyEmailCode(ctx, email, code); err != nil {
			t.Fatal(err)
		}
		// Verified by code: the link is spent too.
		if err := e.svc.VerifyEmail(ctx, e.last(t, email).token(t)); backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("link after code: %v", err)
		}
	})
	t.Run("ResendCooldown", func(t *testing.T) {
		e := newEnv(t)
		email := e.register(t, validInput())
		first := e.last(t, email).token(t)
		cd, err := e.svc.ResendVerification(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if cd.ResendAfterSeconds != 60 || len(e.outbox(t)) != 1 {
			t.Fatalf("resend inside the cooldown: %+v, %d messages", cd, len(e.outbox(t)))
		}
		unknown, err := e.svc.ResendVerification(ctx, "nobody@example.com")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Add(61 * time.Second)
		cd, err = e.svc.ResendVerification(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if cd.ResendAfterSeconds != 120 || len(e.outbox(t)) != 2 {
			t.Fatalf("resend after the cooldown: %+v, %d messages", cd, len(e.outbox(t)))
		}
		if unknown.ResendAfterSeconds != 60 {
			t.Fatalf("unknown email cooldown %+v, want the same as a known one's first", unknown)
		}
		// The new link replaces the old one.
		if err := e.svc.VerifyEmail(ctx, first); backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("old link after resend: %v", err)
		}
		if err := e.svc.VerifyEmail(ctx, e.last(t, email).token(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		in := validInput()
		e.register(t, in)
		sess, err := e.svc.SignIn(ctx, backend.SignInInput{Email: " anna.PETROVA@example.com ", Password: in.Password, Remember: true})
		if err != nil {
			t.Fatal(err)
		}
		if sess.User.Email != "anna.petrova@example.com" || sess.ExpiresAt.Sub(e.clock.Now()) != backend.RememberTTL {
			t.Fatalf("session %+v", sess)
		}
		u, err := e.svc.Authenticate(ctx, sess.Token)
		if err != nil || u.ID != sess.User.ID {
			t.Fatalf("authenticate: %v %v", u, err)
		}
		if n := e.count(t, `SELECT count(*) FROM sessions WHERE token_hash = ?`, sess.Token); n != 0 {
			t.Fatal("session token stored in clear")
		}
		if err := e.svc.SignOut(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(ctx, sess.Token); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("after sign out: %v", err)
		}
	})
	t.Run("SessionExpires", func(t *testing.T) {
		e := newEnv(t)
		in := validInput()
		e.register(t, in)
		sess, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Add(backend.SessionTTL + time.Second)
		if _, err := e.svc.Authenticate(ctx, sess.Token); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("expired session: %v", err)
		}
	})
	t.Run("WrongAndUnknownAlike", func(t *testing.T) {
		e := newEnv(t)
		e.register(t, validInput())
		_, wrong := e.svc.SignIn(ctx, backend.SignInInput{Email: "anna.petrova@example.com", Password: "Not-The-One-1"})
		_, unknown := e.svc.SignIn(ctx, backend.SignInInput{Email: "nobody@example.com", Password: "Not-The-One-1"})
		var a, b *backend.Error
		if !errors.As(wrong, &a) || !errors.As(unknown, &b) || !reflect.DeepEqual(a, b) || a.Code != backend.EUNAUTHORIZED {
			t.Fatalf("answers differ: %#v vs %#v", wrong, unknown)
		}
	})
	t.Run("SlowsDownThenLocks", func(t *testing.T) {
		for _, email := range []string{"anna.petrova@example.com", "nobody@example.com"} {
			t.Run(email, func(t *testing.T) {
				e := newEnv(t)
				in := validInput()
				e.register(t, in)
				var retries []int
				for i := 0; i < 10; i++ {
					_, err := e.svc.SignIn(ctx, backend.SignInInput{Email: email, Password: "Wrong-Pass-99"})
					if backend.ErrorCode(err) != backend.EUNAUTHORIZED {
						t.Fatalf("attempt %d: %v", i+1, err)
					}
					_, err = e.svc.SignIn(ctx, backend.SignInInput{Email: email, Password: "Wrong-Pass-99"})
					var ae *backend.Error
					if errors.As(err, &ae) && ae.Code == backend.ERATELIMITED {
						retries = append(retries, ae.RetryAfter)
						e.clock.Add(time.Duration(ae.RetryAfter) * time.Second)
						continue
					}
					if backend.ErrorCode(err) != backend.EUNAUTHORIZED {
						t.Fatalf("attempt %d bis: %v", i+1, err)
					}
					i++
				}
				// Two free failures, then 1 s, 2 s, 4 s... and a 15-minute lock.
				if len(retries) < 3 || retries[0] != 1 || retries[1] != 2 || retries[len(retries)-1] != 900 {
					t.Fatalf("retry delays %v", retries)
				}
				if email == "anna.petrova@example.com" {
					// After the lock, the right password works and clears the count.
					if _, err := e.svc.SignIn(ctx, backend.SignInInput{Email: email, Password: in.Password}); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	})
	t.Run("ErrFields", func(t *testing.T) {
		e := newEnv(t)
		_, err := e.svc.SignIn(ctx, backend.SignInInput{Email: "", Password: ""})
		codes := fieldCodes(t, err)
		if codes["email"] != "required" || codes["password"] != "required" {
			t.Fatalf("codes %v", codes)
		}
	})
	t.Run("RehashesWeakerHash", func(t *testing.T) {
		e := newEnv(t)
		in := validInput()
		weak := backend.NewHasher(backend.Argon2Params{MemoryKiB: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
		h, _ := weak.Hash(ctx, in.Password)
		e.register(t, in)
		rw := MustWritable(t, e)
		if _, err := rw.Exec(`UPDATE users SET password_hash = ?`, h); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password}); err != nil {
			t.Fatal(err)
		}
		var now string
		e.raw.QueryRow(`SELECT password_hash FROM users`).Scan(&now)
		if !strings.Contains(now, "m=19456,t=2") {
			t.Fatalf("hash not raised: %s", now)
		}
	})
}

func TestPhoneVerification(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*env, context.Context) {
		e := newEnv(t)
		in := validInput()
		email := e.register(t, in)
		if err := e.svc.VerifyEmail(ctx, e.last(t, email).token(t)); err != nil {
			t.Fatal(err)
		}
		sess, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password})
		if err != nil {
			t.Fatal(err)
		}
		return e, backend.NewContextWithUser(ctx, sess.User)
	}
	t.Run("OK", func(t *testing.T) {
		e, uctx := setup(t)
		sent, err := e.svc.SendPhoneCode(uctx)
		if err != nil {
			t.Fatal(err)
		}
		if sent.ExpiresInSeconds != 600 || sent.ResendAfterSeconds != 60 {
			t.Fatalf("sent %+v", sent)
		}
		m := e.last(t, "+79123456789")
		if m.channel != backend.ChannelSMS {
			t.Fatalf("channel %s", m.channel)
		}
		if _, err := e.svc.SendPhoneCode(uctx); backend.ErrorCode(err) != backend.ERATELIMITED {
			t.Fatalf("resend in cooldown: %v", err)
		}
		u, err := e.svc.VerifyPhone(uctx, m.code(t))
		if err != nil || !u.PhoneVerified {
			t.Fatalf("verify: %v %+v", err, u)
		}
	})
	t.Run("Expires", func(t *testing.T) {
		e, uctx := setup(t)
		if _, err := e.svc.SendPhoneCode(uctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(10*time.Minute + time.Second)
		if _, err := e.svc.VerifyPhone(uctx, e.last(t, "+79123456789").code(t)); fieldCodes(t, err)["code"] != "code_invalid" {
			t.Fatalf("expired code: %v", err)
		}
	})
	t.Run("FiveTries", func(t *testing.T) {
		e, uctx := setup(t)
		if _, err := e.svc.SendPhoneCode(uctx); err != nil {
			t.Fatal(err)
		}
		code := e.last(t, "+79123456789").code(t)
		wrong := "000000"
		if code == wrong {
			wrong = "999999"
		}
		for i := 0; i < backend.MaxCodeAttempts; i++ {
			if _, err := e.svc.VerifyPhone(uctx, wrong); fieldCodes(t, err)["code"] != "code_invalid" {
				t.Fatalf("try %d: %v", i, err)
			}
		}
		if _, err := e.svc.VerifyPhone(uctx, code); fieldCodes(t, err)["code"] != "code_invalid" {
			t.Fatalf("right code after 5 wrong tries must fail: %v", err)
		}
	})
	t.Run("ConcurrentGuessesEvaluateAtMostFive", func(t *testing.T) {
		e, uctx := setup(t)
		if _, err := e.svc.SendPhoneCode(uctx); err != nil {
			t.Fatal(err)
		}
		code := e.last(t, "+79123456789").code(t)
		var wg sync.WaitGroup
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				guess := "000000"
				if guess == code {
					guess = "111111"
				}
				e.svc.VerifyPhone(uctx, guess)
			}(i)
		}
		wg.Wait()
		if got := e.count(t, `SELECT attempts FROM tokens WHERE purpose = 'verify_phone'`); got != backend.MaxCodeAttempts {
			t.Fatalf("evaluated %d guesses, want %d", got, backend.MaxCodeAttempts)
		}
	})
	t.Run("SignedOut", func(t *testing.T) {
		e := newEnv(t)
		if _, err := e.svc.SendPhoneCode(ctx); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("got %v", err)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		in := validInput()
		_, sess := e.verifiedUser(t, in)
		if err := e.svc.RequestPasswordReset(ctx, in.Email); err != nil {
			t.Fatal(err)
		}
		m := e.last(t, "anna.petrova@example.com")
		if !strings.Contains(m.body, "gatehouse://reset?token=") {
			t.Fatalf("reset email: %q", m.body)
		}
		err := e.svc.ResetPassword(ctx, backend.ResetPasswordInput{Token: m.token(t), Password: "short", PasswordConfirm: "short"})
		if fieldCodes(t, err)["password"] != "password_too_short" {
			t.Fatalf("weak new password: %v", err)
		}
		newPass := "Green-Valley-42"
		if err := e.svc.ResetPassword(ctx, backend.ResetPasswordInput{Token: m.token(t), Password: newPass, PasswordConfirm: newPass}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(ctx, sess.Token); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("old session survived the reset: %v", err)
		}
		if _, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password}); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatalf("old password still works: %v", err)
		}
		if _, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: newPass}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ResetPassword(ctx, backend.ResetPasswordInput{Token: m.token(t), Password: "Other-Valley-43", PasswordConfirm: "Other-Valley-43"}); backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("reused link: %v", err)
		}
	})
	t.Run("ExpiresAfterAnHour", func(t *testing.T) {
		e := newEnv(t)
		in := validInput()
		e.register(t, in)
		e.svc.RequestPasswordReset(ctx, in.Email)
		tok := e.last(t, "anna.petrova@example.com").token(t)
		e.clock.Add(time.Hour + time.Second)
		err := e.svc.ResetPassword(ctx, backend.ResetPasswordInput{Token: tok, Password: "Green-Valley-42", PasswordConfirm: "Green-Valley-42"})
		var ae *backend.Error
		if !errors.As(err, &ae) || ae.Key != "errors.link_invalid" {
			t.Fatalf("expired link: %v", err)
		}
	})
	t.Run("UnknownEmailNeutral", func(t *testing.T) {
		e := newEnv(t)
		e.register(t, validInput())
		before := len(e.outbox(t))
		if err := e.svc.RequestPasswordReset(ctx, "nobody@example.com"); err != nil {
			t.Fatal(err)
		}
		if got := len(e.outbox(t)); got != before {
			t.Fatalf("an email went out for an unknown address")
		}
		if err := e.svc.RequestPasswordReset(ctx, "not an email"); fieldCodes(t, err)["email"] != "email_invalid" {
			t.Fatalf("malformed: %v", err)
		}
	})
}

func TestPasswordPolicySetting(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	admin := validInput()
	actx, _ := e.verifiedUser(t, admin)
	cust := validInput()
	cust.Email = "client@example.com"
	cctx, _ := e.verifiedUser(t, cust)

	if _, err := e.svc.SetPasswordPolicy(cctx, "nist"); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Fatalf("customer changed the policy: %v", err)
	}
	if _, err := e.svc.SetPasswordPolicy(ctx, "nist"); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
		t.Fatalf("anonymous changed the policy: %v", err)
	}
	if _, err := e.svc.SetPasswordPolicy(actx, "weak"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("unknown policy: %v", err)
	}
	cfg, err := e.svc.SetPasswordPolicy(actx, "nist")
	if err != nil || cfg.PasswordPolicy.MinLength != 15 {
		t.Fatalf("set nist: %v %+v", err, cfg.PasswordPolicy)
	}
	// Under NIST, length counts and composition does not.
	problems, _ := e.svc.CheckPassword(ctx, "correct horse battery staple", "", "")
	if len(problems) != 0 {
		t.Fatalf("passphrase refused under nist: %v", problems)
	}
	problems, _ = e.svc.CheckPassword(ctx, "Sh0rt!pass", "", "")
	if len(problems) != 1 || problems[0].Code != "password_too_short" {
		t.Fatalf("short password under nist: %v", problems)
	}
}
