package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gatehouse/backend"
)

// Purposes of single-use secrets in the tokens table.
const (
	purposeEmailLink = "verify_email_link"
	purposeEmailCode = "verify_email_code"
	purposePhoneCode = "verify_phone"
	purposeReset     = "reset_password"
)

// UserOptions configure an UserService.
type UserOptions struct {
	// LinkBase prefixes in-app paths in emailed links: "gatehouse:/" on the
	// desktop (gatehouse://verify-email?token=...), "https://host/#" for
	// the web version.
	LinkBase string
	// DefaultRegion reads phone numbers typed without a country code.
	DefaultRegion string
	Desktop       bool
	Version       string
	Log           *slog.Logger
}

// UserService implements backend.UserService on the database.
type UserService struct {
	db     *DB
	hasher *backend.Hasher
	opts   UserOptions
	jobs   chan func()
	wg     sync.WaitGroup
}

var _ backend.UserService = (*UserService)(nil)

// NewUserService returns the account service. Close stops its
// background worker.
func NewUserService(db *DB, hasher *backend.Hasher, opts UserOptions) *UserService {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "RU"
	}
	s := &UserService{db: db, hasher: hasher, opts: opts, jobs: make(chan func(), 256)}
	go func() {
		for job := range s.jobs {
			job()
			s.wg.Done()
		}
	}()
	return s
}

// Close waits for queued background work and stops the worker.
func (s *UserService) Close() {
	s.Flush()
	close(s.jobs)
}

// Flush waits until the background work queued so far is done.
func (s *UserService) Flush() { s.wg.Wait() }

// later runs job after the current request has been answered. Work whose
// cost depends on whether an account exists goes here, so the answer's
// timing cannot tell.
func (s *UserService) later(job func()) {
	s.wg.Add(1)
	s.jobs <- job
}

func (s *UserService) link(path, token string) string {
	return s.opts.LinkBase + path + "?token=" + token
}

// policy returns the password policy an administrator chose.
func (s *UserService) policy(ctx context.Context) (backend.PasswordPolicy, error) {
	var name string
	err := s.db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'password_policy'`).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return backend.PolicyDefault, nil
	} else if err != nil {
		return backend.PasswordPolicy{}, fmt.Errorf("password policy: %w", err)
	}
	p, ok := backend.PolicyByName(name)
	if !ok {
		return backend.PolicyDefault, nil
	}
	return p, nil
}

// Config returns what the UI needs before sign-in.
func (s *UserService) Config(ctx context.Context) (backend.ClientConfig, error) {
	p, err := s.policy(ctx)
	if err != nil {
		return backend.ClientConfig{}, err
	}
	return backend.ClientConfig{
		PasswordPolicy:  p,
		TimeZones:       backend.TimeZones(),
		DefaultTimeZone: backend.MachineTimeZone(),
		DefaultRegion:   s.opts.DefaultRegion,
		TermsVersion:    backend.TermsVersion,
		PrivacyVersion:  backend.PrivacyVersion,
		Desktop:         s.opts.Desktop,
		Version:         s.opts.Version,
	}, nil
}

// CheckPassword lists the policy's objections to a password.
func (s *UserService) CheckPassword(ctx context.Context, password, email, name string) ([]backend.FieldError, error) {
	p, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	var ignored backend.Fields
	problems := p.Check(password, backend.NormalizeEmail(&ignored, "email", email), name)
	if problems == nil {
		problems = backend.Fields{}
	}
	return problems, nil
}

// checkNewPassword adds the policy's and the confirmation's objections.
func checkNewPassword(f *backend.Fields, p backend.PasswordPolicy, password, confirm, email, name string) {
	*f = append(*f, p.Check(password, email, name)...)
	switch {
	case confirm == "":
		f.Add("passwordConfirm", "required", nil)
	case confirm != password:
		f.Add("passwordConfirm", "password_mismatch", nil)
	}
}

// Register signs a person up. The answer is the same whether or not the
// email is already registered; the owner of a registered address gets an
// email saying so instead of a second account. Returns EINVALID.
func (s *UserService) Register(ctx context.Context, in backend.RegisterInput) (backend.RegisterResult, error) {
	policy, err := s.policy(ctx)
	if err != nil {
		return backend.RegisterResult{}, err
	}
	var f backend.Fields
	name := backend.CleanText(&f, "name", in.Name, 128, true)
	email := backend.NormalizeEmail(&f, "email", in.Email)
	checkNewPassword(&f, policy, in.Password, in.PasswordConfirm, email, name)
	phone := backend.NormalizePhone(&f, "phone", in.Phone, s.opts.DefaultRegion)
	tz := backend.ValidTimeZone(&f, "timeZone", in.TimeZone)
	if !in.AcceptTerms {
		f.Add("acceptTerms", "consent_required", nil)
	}
	if !in.AcceptPrivacy {
		f.Add("acceptPrivacy", "consent_required", nil)
	}
	if err := f.Err(); err != nil {
		return backend.RegisterResult{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return backend.RegisterResult{}, fmt.Errorf("register: %w", err)
	}
	err = s.db.update(ctx, func(tx *Tx) error {
		key := throttleKey("verify-email", email)
		var existing string
		err := tx.QueryRow(`SELECT id FROM users WHERE email = ?`, email).Scan(&existing)
		if err == nil {
			// Do the new account's writes too, and undo them: otherwise a
			// taken address answers measurably sooner than a free one.
			if _, err := tx.Exec(`SAVEPOINT timing`); err != nil {
				return err
			}
			if err := s.createUser(tx, throttleKey("verify-email", "timing:"+email), name, "timing-"+newID()+"@invalid.invalid", phone, tz, hash); err != nil {
				return err
			}
			if _, err := tx.Exec(`ROLLBACK TO timing`); err != nil {
				return err
			}
			if _, err := tx.Exec(`RELEASE timing`); err != nil {
				return err
			}
			return s.notifyAlreadyRegistered(tx, key, email)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return s.createUser(tx, key, name, email, phone, tz, hash)
	})
	if err != nil {
		return backend.RegisterResult{}, fmt.Errorf("register: %w", err)
	}
	return backend.RegisterResult{Email: email, Cooldown: backend.Cooldown{ResendAfterSeconds: int(backend.ResendCooldown / time.Second)}}, nil
}

// createUser writes a new user with their consents, verification secrets,
// the verification email and the change-log entries.
func (s *UserService) createUser(tx *Tx, key, name, email, phone, tz, hash string) error {
	role := backend.RoleCustomer
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		// The first person on a new installation administers it.
		role = backend.RoleAdmin
	}
	u := &backend.User{ID: newID(), Name: name, Email: email, Phone: phone, TimeZone: tz, Role: role, CreatedAt: tx.now}
	if _, err := tx.Exec(`INSERT INTO users (id, name, email, phone, time_zone, role, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, u.Name, u.Email, u.Phone, u.TimeZone, u.Role, hash, ms(tx.now), ms(tx.now)); err != nil {
		return err
	}
	if err := tx.appendChange("user", u.ID, "upsert", userChange(u, hash, tx.now)); err != nil {
		return err
	}
	for _, c := range []struct{ kind, version string }{{"terms", backend.TermsVersion}, {"privacy", backend.PrivacyVersion}} {
		id := newID()
		if _, err := tx.Exec(`INSERT INTO consents (id, user_id, kind, version, accepted_at) VALUES (?, ?, ?, ?, ?)`, id, u.ID, c.kind, c.version, ms(tx.now)); err != nil {
			return err
		}
		if err := tx.appendChange("consent", id, "upsert", map[string]any{"userId": u.ID, "kind": c.kind, "version": c.version, "acceptedAt": tx.now}); err != nil {
			return err
		}
	}
	if _, err := tx.bump(key, 24*time.Hour, resendDelay); err != nil {
		return err
	}
	return s.sendEmailVerification(tx, u)
}

// userChange is what the change log carries of a user.
func userChange(u *backend.User, hash string, now time.Time) map[string]any {
	return map[string]any{"name": u.Name, "email": u.Email, "phone": u.Phone, "timeZone": u.TimeZone,
		"role": u.Role, "passwordHash": hash, "createdAt": u.CreatedAt, "updatedAt": now}
}

func (s *UserService) notifyAlreadyRegistered(tx *Tx, key, email string) error {
	// At most one such email per cooldown, so sign-up cannot be used to
	// flood someone's mailbox.
	if blocked, err := tx.blocked(key); err != nil || blocked {
		return err
	}
	if _, err := tx.bump(key, 24*time.Hour, resendDelay); err != nil {
		return err
	}
	return tx.enqueue(backend.ChannelEmail, email, "Someone tried to register with your address",
		"Hello,\n\nSomeone, perhaps you, tried to create a Gatehouse account with this email address. "+
			"You already have an account, so nothing was changed.\n\n"+
			"If you forgot your password, use \"Forgot password?\" on the sign-in page.\n"+
			"If it was not you, you can ignore this email.\n\n-- Gatehouse\n")
}

// blocked reports whether key is in its cooldown, inside a transaction.
func (tx *Tx) blocked(key string) (bool, error) {
	var until int64
	err := tx.QueryRow(`SELECT blocked_until FROM throttles WHERE key = ?`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return until > tx.now.UnixMilli(), nil
}

// retire ends the unused secrets of a purpose: a new link or code replaces
// the old ones.
func (tx *Tx) retire(userID, purpose string) error {
	_, err := tx.Exec(`UPDATE tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`, ms(tx.now), userID, purpose)
	return err
}

// newLink stores a link secret and returns the token to mail.
func (tx *Tx) newLink(userID, purpose string, ttl time.Duration) (string, error) {
	if err := tx.retire(userID, purpose); err != nil {
		return "", err
	}
	token := backend.NewToken()
	_, err := tx.Exec(`INSERT INTO tokens (id, user_id, purpose, secret_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		newID(), userID, purpose, backend.HashToken(token), ms(tx.now.Add(ttl)), ms(tx.now))
	return token, err
}

// newCode stores a salted code hash and returns the code to send.
func (tx *Tx) newCode(userID, purpose string, ttl time.Duration) (string, error) {
	if err := tx.retire(userID, purpose); err != nil {
		return "", err
	}
	code, salt := backend.NewCode()
	_, err := tx.Exec(`INSERT INTO tokens (id, user_id, purpose, secret_hash, salt, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		newID(), userID, purpose, backend.HashCode(salt, code), salt, ms(tx.now.Add(ttl)), ms(tx.now))
	return code, err
}

func (s *UserService) sendEmailVerification(tx *Tx, u *backend.User) error {
	token, err := tx.newLink(u.ID, purposeEmailLink, backend.EmailLinkTTL)
	if err != nil {
		return err
	}
	code, err := tx.newCode(u.ID, purposeEmailCode, backend.EmailLinkTTL)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Hello %s,\n\nConfirm your email address for Gatehouse by opening this link:\n\n%s\n\n"+
		"Or type this code in the app: %s\n\nThe link and the code work once, for 24 hours.\n"+
		"If you did not register, ignore this email.\n\n-- Gatehouse\n", u.Name, s.link("/verify-email", token), code)
	return tx.enqueue(backend.ChannelEmail, u.Email, "Confirm your email address", body)
}

// ResendVerification sends a new link and code to an unverified address.
// The answer, including the cooldown, is the same for unknown addresses.
func (s *UserService) ResendVerification(ctx context.Context, email string) (backend.Cooldown, error) {
	var f backend.Fields
	email = backend.NormalizeEmail(&f, "email", email)
	if err := f.Err(); err != nil {
		return backend.Cooldown{}, err
	}
	var wait time.Duration
	err := s.db.update(ctx, func(tx *Tx) error {
		key := throttleKey("verify-email", email)
		var until int64
		if err := tx.QueryRow(`SELECT blocked_until FROM throttles WHERE key = ?`, key).Scan(&until); err == nil && until > ms(tx.now) {
			wait = time.UnixMilli(until).Sub(tx.now)
			return nil
		}
		count, err := tx.bump(key, 24*time.Hour, resendDelay)
		if err != nil {
			return err
		}
		wait = resendDelay(count)
		u, err := tx.userByEmail(email)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil || u.EmailVerified {
			return err
		}
		return s.sendEmailVerification(tx, u)
	})
	if err != nil {
		return backend.Cooldown{}, fmt.Errorf("resend verification: %w", err)
	}
	return backend.Cooldown{ResendAfterSeconds: int((wait + time.Second - 1) / time.Second)}, nil
}

var errLinkInvalid = backend.Keyed(backend.EINVALID, "errors.link_invalid", "This link is invalid, has expired or was already used. Ask for a new one.")

// useLink consumes a link token: it returns the user's id, or
// errLinkInvalid if the link is unknown, used or expired.
func (tx *Tx) useLink(token, purpose string) (string, error) {
	var id, userID string
	var expires int64
	var used sql.NullInt64
	err := tx.QueryRow(`SELECT id, user_id, expires_at, used_at FROM tokens WHERE secret_hash = ? AND purpose = ?`,
		backend.HashToken(token), purpose).Scan(&id, &userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || expires <= ms(tx.now))) {
		return "", errLinkInvalid
	} else if err != nil {
		return "", err
	}
	if _, err := tx.Exec(`UPDATE tokens SET used_at = ? WHERE id = ?`, ms(tx.now), id); err != nil {
		return "", err
	}
	return userID, nil
}

// useCode checks a typed code against the newest live code of a purpose.
// Each check spends one of MaxCodeAttempts first, inside the write
// transaction, so concurrent guesses cannot check more codes than allowed.
func (tx *Tx) useCode(userID, purpose, code string) (bool, error) {
	var id, salt, hash string
	err := tx.QueryRow(`SELECT id, salt, secret_hash FROM tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC LIMIT 1`, userID, purpose, ms(tx.now)).Scan(&id, &salt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	res, err := tx.Exec(`UPDATE tokens SET attempts = attempts + 1 WHERE id = ? AND attempts < ?`, id, backend.MaxCodeAttempts)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if !backend.CodeMatches(salt, hash, code) {
		return false, nil
	}
	_, err = tx.Exec(`UPDATE tokens SET used_at = ? WHERE id = ?`, ms(tx.now), id)
	return err == nil, err
}

func (tx *Tx) markEmailVerified(userID string) error {
	if _, err := tx.Exec(`UPDATE users SET email_verified_at = coalesce(email_verified_at, ?), updated_at = ? WHERE id = ?`, ms(tx.now), ms(tx.now), userID); err != nil {
		return err
	}
	// Either way of verifying ends both: the link and the code.
	if err := tx.retire(userID, purposeEmailLink); err != nil {
		return err
	}
	if err := tx.retire(userID, purposeEmailCode); err != nil {
		return err
	}
	return tx.appendChange("user", userID, "upsert", map[string]any{"emailVerifiedAt": tx.now, "updatedAt": tx.now})
}

// VerifyEmail consumes an emailed link. Returns EINVALID for a bad link.
func (s *UserService) VerifyEmail(ctx context.Context, token string) error {
	if token == "" || len(token) > 128 {
		return errLinkInvalid
	}
	return s.db.update(ctx, func(tx *Tx) error {
		userID, err := tx.useLink(token, purposeEmailLink)
		if err != nil {
			return err
		}
		return tx.markEmailVerified(userID)
	})
}

var errCodeInvalid = func() error {
	var f backend.Fields
	f.Add("code", "code_invalid", nil)
	return f.Err()
}()

func checkCodeFormat(code string) error {
	if !backend.ValidCodeFormat(code) {
		var f backend.Fields
		f.Add("code", "code_format", nil)
		return f.Err()
	}
	return nil
}

// VerifyEmailCode verifies an email with the code from the email. An
// unknown email gets the same answer as a wrong code.
func (s *UserService) VerifyEmailCode(ctx context.Context, email, code string) error {
	var f backend.Fields
	email = backend.NormalizeEmail(&f, "email", email)
	if err := f.Err(); err != nil {
		return err
	}
	if err := checkCodeFormat(code); err != nil {
		return err
	}
	var ok bool
	err := s.db.update(ctx, func(tx *Tx) error {
		u, err := tx.userByEmail(email)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if ok, err = tx.useCode(u.ID, purposeEmailCode, code); err != nil || !ok {
			return err
		}
		return tx.markEmailVerified(u.ID)
	})
	if err != nil {
		return fmt.Errorf("verify email code: %w", err)
	}
	if !ok {
		return errCodeInvalid
	}
	return nil
}

var errCredentials = backend.Keyed(backend.EUNAUTHORIZED, "errors.credentials", "Wrong email or password.")

// SignIn checks an email and password and opens a session. A wrong password
// and an unknown email get the same answer after the same work; repeated
// failures for an email slow down, then lock it for a while (known or not).
func (s *UserService) SignIn(ctx context.Context, in backend.SignInInput) (*backend.Session, error) {
	var f backend.Fields
	email := backend.NormalizeEmail(&f, "email", in.Email)
	switch {
	case in.Password == "":
		f.Add("password", "required", nil)
	case len(in.Password) > backend.MaxPasswordLength:
		f.Add("password", "password_too_long", map[string]any{"max": backend.MaxPasswordLength})
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	key := throttleKey("signin", email)
	if d, err := s.db.blockedFor(ctx, key); err != nil {
		return nil, err
	} else if d > 0 {
		return nil, rateLimited(d)
	}
	var userID, hash string
	err := s.db.read.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE email = ?`, email).Scan(&userID, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	ok, rehash, err := s.hasher.Verify(ctx, in.Password, hash)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if !ok {
		if err := s.db.update(ctx, func(tx *Tx) error {
			_, err := tx.bump(key, signInWindow, signInDelay)
			return err
		}); err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		return nil, errCredentials
	}
	var newHash string
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, in.Password); err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
	}
	sess := &backend.Session{Token: backend.NewToken(), Remember: in.Remember}
	err = s.db.update(ctx, func(tx *Tx) error {
		if err := tx.clearThrottle(key); err != nil {
			return err
		}
		if newHash != "" {
			if _, err := tx.Exec(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, newHash, ms(tx.now), userID); err != nil {
				return err
			}
			if err := tx.appendChange("user", userID, "upsert", map[string]any{"passwordHash": newHash, "updatedAt": tx.now}); err != nil {
				return err
			}
		}
		ttl := backend.SessionTTL
		if in.Remember {
			ttl = backend.RememberTTL
		}
		sess.ExpiresAt = tx.now.Add(ttl)
		if _, err := tx.Exec(`INSERT INTO sessions (id, user_id, token_hash, remember, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			newID(), userID, backend.HashToken(sess.Token), in.Remember, ms(tx.now), ms(sess.ExpiresAt)); err != nil {
			return err
		}
		sess.User, err = tx.userByID(userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return sess, nil
}

var errSignedOut = backend.Keyed(backend.EUNAUTHORIZED, "errors.unauthorized", "Please sign in.")

// Authenticate returns the user of a live session.
func (s *UserService) Authenticate(ctx context.Context, token string) (*backend.User, error) {
	if token == "" {
		return nil, errSignedOut
	}
	row := s.db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u JOIN sessions s ON s.user_id = u.id
		WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?`, backend.HashToken(token), ms(s.db.Now()))
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSignedOut
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	return u, nil
}

// SignOut ends a session.
func (s *UserService) SignOut(ctx context.Context, token string) error {
	return s.db.update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`, ms(tx.now), backend.HashToken(token))
		return err
	})
}

// SendPhoneCode texts a code to the signed-in user's phone (or calls a
// landline). Returns EUNAUTHORIZED, ECONFLICT if already verified,
// ERATELIMITED during the cooldown.
func (s *UserService) SendPhoneCode(ctx context.Context) (backend.PhoneCodeSent, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return backend.PhoneCodeSent{}, err
	}
	var out backend.PhoneCodeSent
	err = s.db.update(ctx, func(tx *Tx) error {
		cur, err := tx.userByID(u.ID)
		if err != nil {
			return err
		}
		if cur.PhoneVerified {
			return backend.Keyed(backend.ECONFLICT, "errors.phone_verified", "This phone number is already verified.")
		}
		channel := backend.ChannelSMS
		if !backend.PhoneIsMobile(cur.Phone) {
			channel = backend.ChannelVoice
		}
		out, err = tx.sendCode(throttleKey("phone-code", u.ID), u.ID, purposePhoneCode, channel, cur.Phone)
		return err
	})
	if err != nil {
		return backend.PhoneCodeSent{}, fmt.Errorf("send phone code: %w", err)
	}
	return out, nil
}

// sendCode issues a code for purpose and queues it to phone by SMS or a
// voice call, at most once per cooldown of key (ERATELIMITED inside it).
func (tx *Tx) sendCode(key, userID, purpose, channel, phone string) (backend.PhoneCodeSent, error) {
	if blocked, err := tx.blocked(key); err != nil {
		return backend.PhoneCodeSent{}, err
	} else if blocked {
		var until int64
		if err := tx.QueryRow(`SELECT blocked_until FROM throttles WHERE key = ?`, key).Scan(&until); err != nil {
			return backend.PhoneCodeSent{}, err
		}
		return backend.PhoneCodeSent{}, rateLimited(time.UnixMilli(until).Sub(tx.now))
	}
	count, err := tx.bump(key, 24*time.Hour, resendDelay)
	if err != nil {
		return backend.PhoneCodeSent{}, err
	}
	code, err := tx.newCode(userID, purpose, backend.PhoneCodeTTL)
	if err != nil {
		return backend.PhoneCodeSent{}, err
	}
	text := fmt.Sprintf("Gatehouse code: %s. It expires in 10 minutes. Do not share it.", code)
	if err := tx.enqueue(channel, phone, "", text); err != nil {
		return backend.PhoneCodeSent{}, err
	}
	return backend.PhoneCodeSent{Cooldown: backend.Cooldown{ResendAfterSeconds: int(resendDelay(count) / time.Second)},
		ExpiresInSeconds: int(backend.PhoneCodeTTL / time.Second)}, nil
}

// VerifyPhone checks the SMS code of the signed-in user.
func (s *UserService) VerifyPhone(ctx context.Context, code string) (*backend.User, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkCodeFormat(code); err != nil {
		return nil, err
	}
	var out *backend.User
	err = s.db.update(ctx, func(tx *Tx) error {
		// A wrong code commits too: the spent attempt must stick.
		ok, err := tx.useCode(u.ID, purposePhoneCode, code)
		if err != nil || !ok {
			return err
		}
		if _, err := tx.Exec(`UPDATE users SET phone_verified_at = coalesce(phone_verified_at, ?), updated_at = ? WHERE id = ?`, ms(tx.now), ms(tx.now), u.ID); err != nil {
			return err
		}
		if err := tx.appendChange("user", u.ID, "upsert", map[string]any{"phoneVerifiedAt": tx.now, "updatedAt": tx.now}); err != nil {
			return err
		}
		out, err = tx.userByID(u.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("verify phone: %w", err)
	} else if out == nil {
		return nil, errCodeInvalid
	}
	return out, nil
}

// RequestPasswordReset emails a reset link if the address has an account.
// It answers at once and alike for every address: the lookup and the email
// happen after the answer.
func (s *UserService) RequestPasswordReset(ctx context.Context, email string) error {
	var f backend.Fields
	email = backend.NormalizeEmail(&f, "email", email)
	if err := f.Err(); err != nil {
		return err
	}
	s.later(func() {
		err := s.db.update(context.Background(), func(tx *Tx) error {
			key := throttleKey("reset", email)
			if blocked, err := tx.blocked(key); err != nil || blocked {
				return err
			}
			if _, err := tx.bump(key, 24*time.Hour, resendDelay); err != nil {
				return err
			}
			u, err := tx.userByEmail(email)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			} else if err != nil {
				return err
			}
			token, err := tx.newLink(u.ID, purposeReset, backend.ResetLinkTTL)
			if err != nil {
				return err
			}
			body := fmt.Sprintf("Hello %s,\n\nTo choose a new Gatehouse password, open this link:\n\n%s\n\n"+
				"The link works once, for 1 hour. If you did not ask for it, ignore this email: your password stays as it is.\n\n-- Gatehouse\n",
				u.Name, s.link("/reset", token))
			return tx.enqueue(backend.ChannelEmail, u.Email, "Reset your password", body)
		})
		if err != nil {
			s.opts.Log.Error("password reset request", "err", err)
		}
	})
	return nil
}

// ResetPassword sets a new password through a reset link and ends every
// session of the user. Returns EINVALID for a bad link or password.
func (s *UserService) ResetPassword(ctx context.Context, in backend.ResetPasswordInput) error {
	policy, err := s.policy(ctx)
	if err != nil {
		return err
	}
	// Find the user first, to check the password against their name and
	// email; the link is consumed only with the new password, below.
	u, err := s.peekLink(ctx, in.Token, purposeReset)
	if err != nil {
		return wrapUnlessApp("reset password", err)
	}
	userID := u.ID
	var f backend.Fields
	checkNewPassword(&f, policy, in.Password, in.PasswordConfirm, u.Email, u.Name)
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	return s.db.update(ctx, func(tx *Tx) error {
		if _, err := tx.useLink(in.Token, purposeReset); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, ms(tx.now), userID); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, ms(tx.now), userID); err != nil {
			return err
		}
		if err := tx.clearThrottle(throttleKey("signin", u.Email)); err != nil {
			return err
		}
		if err := tx.appendChange("user", userID, "upsert", map[string]any{"passwordHash": hash, "updatedAt": tx.now}); err != nil {
			return err
		}
		// The link came by email, so following it proves the address too.
		return tx.markEmailVerified(userID)
	})
}

// peekLink returns the user of a live link without using it up: forms
// behind links check their input against the user before consuming it.
// Returns errLinkInvalid for an unknown, used or expired link.
func (s *UserService) peekLink(ctx context.Context, token, purpose string) (*backend.User, error) {
	if token == "" || len(token) > 128 {
		return nil, errLinkInvalid
	}
	var userID string
	var expires int64
	var used sql.NullInt64
	err := s.db.read.QueryRowContext(ctx, `SELECT user_id, expires_at, used_at FROM tokens WHERE secret_hash = ? AND purpose = ?`,
		backend.HashToken(token), purpose).Scan(&userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || expires <= ms(s.db.Now()))) {
		return nil, errLinkInvalid
	} else if err != nil {
		return nil, err
	}
	return s.userByID(ctx, userID)
}

// SetPasswordPolicy chooses the policy for new passwords. Admins only.
func (s *UserService) SetPasswordPolicy(ctx context.Context, name string) (backend.ClientConfig, error) {
	if _, err := backend.RequireRole(ctx, backend.RoleAdmin); err != nil {
		return backend.ClientConfig{}, err
	}
	if _, ok := backend.PolicyByName(name); !ok {
		var f backend.Fields
		f.Add("policy", "policy_invalid", nil)
		return backend.ClientConfig{}, f.Err()
	}
	err := s.db.update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`INSERT INTO settings (key, value, updated_at) VALUES ('password_policy', ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, ms(tx.now)); err != nil {
			return err
		}
		return tx.appendChange("setting", "password_policy", "upsert", map[string]any{"value": name})
	})
	if err != nil {
		return backend.ClientConfig{}, fmt.Errorf("set password policy: %w", err)
	}
	return s.Config(ctx)
}

// SetUserRole changes a user's role. Admins only.
func (s *UserService) SetUserRole(ctx context.Context, email string, role backend.Role) (*backend.User, error) {
	admin, err := backend.RequireRole(ctx, backend.RoleAdmin)
	if err != nil {
		return nil, err
	}
	var f backend.Fields
	email = backend.NormalizeEmail(&f, "email", email)
	valid := false
	for _, r := range backend.Roles {
		valid = valid || r == role
	}
	if !valid {
		f.Add("role", "role_invalid", nil)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *backend.User
	err = s.db.update(ctx, func(tx *Tx) error {
		u, err := tx.userByEmail(email)
		if errors.Is(err, sql.ErrNoRows) {
			var f backend.Fields
			f.Add("email", "user_not_found", nil)
			return f.Err()
		} else if err != nil {
			return err
		}
		if u.ID == admin.ID {
			var f backend.Fields
			f.Add("email", "own_role", nil)
			return f.Err()
		}
		if _, err := tx.Exec(`UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, ms(tx.now), u.ID); err != nil {
			return err
		}
		u.Role = role
		out = u
		return tx.appendChange("user", u.ID, "upsert", map[string]any{"role": role, "updatedAt": tx.now})
	})
	if err != nil {
		return nil, wrapUnlessApp("set user role", err)
	}
	return out, nil
}

const userColumns = `u.id, u.name, u.email, u.phone, u.time_zone, u.role, u.email_verified_at, u.phone_verified_at, u.created_at`

type scanner interface{ Scan(...any) error }

func scanUser(row scanner) (*backend.User, error) {
	var u backend.User
	var emailAt, phoneAt sql.NullInt64
	var created int64
	if err := row.Scan(&u.ID, &u.Name, &u.Email, &u.Phone, &u.TimeZone, &u.Role, &emailAt, &phoneAt, &created); err != nil {
		return nil, err
	}
	u.EmailVerified, u.PhoneVerified = emailAt.Valid, phoneAt.Valid
	u.CreatedAt = time.UnixMilli(created).UTC()
	return &u, nil
}

func (tx *Tx) userByEmail(email string) (*backend.User, error) {
	return scanUser(tx.QueryRow(`SELECT `+userColumns+` FROM users u WHERE u.email = ?`, email))
}

func (tx *Tx) userByID(id string) (*backend.User, error) {
	return scanUser(tx.QueryRow(`SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
}

func (s *UserService) userByID(ctx context.Context, id string) (*backend.User, error) {
	return scanUser(s.db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
}
