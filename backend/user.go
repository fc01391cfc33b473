package backend

import (
	"context"
	"time"
)

// Role says what a signed-in user may do. Staff roles work on customers'
// accounts; customer users act on their own account only.
type Role string

const (
	RoleAdmin    Role = "admin"    // back-office administrator: settings, users, everything
	RoleReviewer Role = "reviewer" // decides KYC cases
	RoleAgent    Role = "agent"    // field agent onboarding customers, often offline
	RoleManager  Role = "manager"  // reads and exports, does not edit
	RoleCustomer Role = "customer" // a customer's own user
)

// User is a person who signs in.
type User struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Email         string    `json:"email"` // normalised: lower case, ASCII (punycode) domain
	Phone         string    `json:"phone"` // E.164
	TimeZone      string    `json:"timeZone"`
	Role          Role      `json:"role"`
	EmailVerified bool      `json:"emailVerified"`
	PhoneVerified bool      `json:"phoneVerified"`
	CreatedAt     time.Time `json:"createdAt"`
}

// Verified reports whether the user finished both verifications.
func (u *User) Verified() bool { return u.EmailVerified && u.PhoneVerified }

// RegisterInput is the sign-up form.
type RegisterInput struct {
	Name            string `json:"name"`
	Email           string `json:"email"`
	Password        string `json:"password"`
	PasswordConfirm string `json:"passwordConfirm"`
	Phone           string `json:"phone"`
	TimeZone        string `json:"timeZone"`
	AcceptTerms     bool   `json:"acceptTerms"`
	AcceptPrivacy   bool   `json:"acceptPrivacy"`
}

// Cooldown tells in how many seconds the next resend is possible. It is
// relative so that answers for known and unknown emails are byte-identical.
type Cooldown struct {
	ResendAfterSeconds int `json:"resendAfterSeconds"`
}

// RegisterResult is the answer to a sign-up: the same whether or not the
// email was already registered, so sign-up cannot be used to test addresses.
type RegisterResult struct {
	Email string `json:"email"`
	Cooldown
}

// PhoneCodeSent is the answer to a request for an SMS code.
type PhoneCodeSent struct {
	Cooldown
	ExpiresInSeconds int `json:"expiresInSeconds"`
}

// SignInInput is the sign-in form.
type SignInInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Remember bool   `json:"remember"`
}

// Session is a signed-in session. Token is the secret the client keeps;
// only its hash is stored.
type Session struct {
	Token     string    `json:"-"`
	User      *User     `json:"user"`
	Remember  bool      `json:"-"`
	ExpiresAt time.Time `json:"-"`
}

// ResetPasswordInput is the form behind a password-reset link.
type ResetPasswordInput struct {
	Token           string `json:"token"`
	Password        string `json:"password"`
	PasswordConfirm string `json:"passwordConfirm"`
}

// ClientConfig is what the UI needs before anyone signs in.
type ClientConfig struct {
	PasswordPolicy  PasswordPolicy `json:"passwordPolicy"`
	TimeZones       []string       `json:"timeZones"`
	DefaultTimeZone string         `json:"defaultTimeZone"`
	DefaultRegion   string         `json:"defaultRegion"`
	TermsVersion    string         `json:"termsVersion"`
	PrivacyVersion  string         `json:"privacyVersion"`
	Desktop         bool           `json:"desktop"`
	Version         string         `json:"version"` // shown in the About box
}

// Versions of the documents a user consents to at sign-up; stored with
// each consent so that a later change of the documents can ask again.
const (
	TermsVersion   = "2026-11-01"
	PrivacyVersion = "2026-11-01"
)

// Limits of the verification and recovery flows.
const (
	EmailLinkTTL     = 24 * time.Hour
	PhoneCodeTTL     = 10 * time.Minute
	ResetLinkTTL     = time.Hour
	MaxCodeAttempts  = 5
	ResendCooldown   = time.Minute // the first one; it doubles with each resend
	MaxResendBackoff = time.Hour
	RememberTTL      = 30 * 24 * time.Hour
	SessionTTL       = 12 * time.Hour
)

// UserService signs people up, verifies them, signs them in and out and
// recovers their passwords. Methods return *Error with EINVALID (and field
// errors), EUNAUTHORIZED, EFORBIDDEN, ERATELIMITED or ECONFLICT for what the
// user can act on; anything else is internal.
type UserService interface {
	Config(ctx context.Context) (ClientConfig, error)
	// CheckPassword lists why a password would be refused, as the user types.
	CheckPassword(ctx context.Context, password, email, name string) ([]FieldError, error)
	Register(ctx context.Context, in RegisterInput) (RegisterResult, error)
	ResendVerification(ctx context.Context, email string) (Cooldown, error)
	VerifyEmail(ctx context.Context, token string) error
	VerifyEmailCode(ctx context.Context, email, code string) error
	SignIn(ctx context.Context, in SignInInput) (*Session, error)
	// Authenticate returns the user of a session token, EUNAUTHORIZED if
	// the session does not exist, ended or expired.
	Authenticate(ctx context.Context, token string) (*User, error)
	SignOut(ctx context.Context, token string) error
	SendPhoneCode(ctx context.Context) (PhoneCodeSent, error)
	VerifyPhone(ctx context.Context, code string) (*User, error)
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, in ResetPasswordInput) error
	SetPasswordPolicy(ctx context.Context, name string) (ClientConfig, error)
	// SetUserRole makes a user staff (or a customer again). Admins only; an
	// admin cannot change their own role, so an installation keeps one.
	SetUserRole(ctx context.Context, email string, role Role) (*User, error)
}

// Roles lists every role, for validation.
var Roles = []Role{RoleAdmin, RoleReviewer, RoleAgent, RoleManager, RoleCustomer}

type userContextKey struct{}

// NewContextWithUser returns a context that carries the signed-in user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey{}, u)
}

// UserFromContext returns the signed-in user, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey{}).(*User)
	return u
}

// RequireUser returns the signed-in user or an EUNAUTHORIZED error.
func RequireUser(ctx context.Context) (*User, error) {
	if u := UserFromContext(ctx); u != nil {
		return u, nil
	}
	return nil, Keyed(EUNAUTHORIZED, "errors.unauthorized", "Please sign in.")
}

// RequireRole returns the signed-in user if it has one of roles; EFORBIDDEN
// otherwise. The backend checks roles itself: the UI hiding a button is a
// convenience, never the guard.
func RequireRole(ctx context.Context, roles ...Role) (*User, error) {
	u, err := RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if u.Role == r {
			return u, nil
		}
	}
	return nil, Keyed(EFORBIDDEN, "errors.forbidden", "You do not have permission to do this.")
}

type langContextKey struct{}

// NewContextWithLang returns a context asking for documents (PDFs, emails)
// in a UI language: "en" or "ru".
func NewContextWithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langContextKey{}, lang)
}

// LangFromContext returns the language asked for, "en" by default.
func LangFromContext(ctx context.Context) string {
	if l, _ := ctx.Value(langContextKey{}).(string); l == "ru" {
		return l
	}
	return "en"
}
