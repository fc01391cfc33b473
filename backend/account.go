package backend

import (
	"context"
	"regexp"
	"time"
)

// An Account is a customer being onboarded: an individual or a company,
// with its details, its profile (the "company information" window) and its
// employees. Users sign in; accounts are what they work on.
type Account struct {
	ID            string         `json:"id"`
	Details       AccountDetails `json:"details"`
	PhoneVerified bool           `json:"phoneVerified"`
	Profile       CompanyProfile `json:"profile"`
	CreatedBy     string         `json:"createdBy"` // the user who created it: the customer or a staff member
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	// Missing lists the profile fields still needed (see ProfileMissing);
	// Complete is len(Missing) == 0. Both are derived, never stored apart.
	Missing  []string `json:"missing"`
	Complete bool     `json:"complete"`
	// CanEdit tells the UI whether the signed-in user may change it. The
	// backend checks again on every write.
	CanEdit bool `json:"canEdit"`
}

// Account types.
const (
	AccountIndividual = "individual"
	AccountCompany    = "company"
)

// Sectors offered in the account details form; "other" takes free text.
var Sectors = []string{"telecom", "it_software", "banking_finance", "healthcare", "retail_ecommerce", "education", "government", "other"}

// AccountDetails is the first-sign-in form (the Phonon Central seed).
type AccountDetails struct {
	Type        string `json:"type"` // individual | company
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	CompanyName string `json:"companyName"`
	Sector      string `json:"sector"`
	SectorOther string `json:"sectorOther"`
	PhoneType   string `json:"phoneType"` // mobile | landline
	Phone       string `json:"phone"`     // E.164 once saved
}

// Address is a legal or postal address.
type Address struct {
	Country  string `json:"country"` // ISO 3166 alpha-2
	Postcode string `json:"postcode"`
	Region   string `json:"region"`
	City     string `json:"city"`
	Line1    string `json:"line1"` // street and building
	Line2    string `json:"line2"` // office, floor
}

// postcodeFormats are the countries whose postcodes have a fixed shape:
// Russia's six digits, India's six-digit PIN (never starting with 0).
var postcodeFormats = map[string]struct {
	re      *regexp.Regexp
	example string
}{
	"RU": {regexp.MustCompile(`^[0-9]{6}$`), "117312"},
	"IN": {regexp.MustCompile(`^[1-9][0-9]{5}$`), "560001"},
}

// otherPostcode is the shape of postcodes elsewhere: 2 to 10 letters and
// digits, with spaces or hyphens inside ("SW1A 1AA", "10115", "1010-001").
var otherPostcode = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,8}[A-Za-z0-9])$`)

// CheckPostcode checks a postcode against its country's shape. Codes:
// postcode_format (with the country's example), postcode_chars.
func CheckPostcode(f *Fields, field, country, postcode string) {
	if postcode == "" {
		return
	}
	if pf, ok := postcodeFormats[country]; ok {
		if !pf.re.MatchString(postcode) {
			f.Add(field, "postcode_format", map[string]any{"example": pf.example})
		}
		return
	}
	if !otherPostcode.MatchString(postcode) {
		f.Add(field, "postcode_chars", nil)
	}
}

// DefaultMaxDialogs is the default maximum number of dialogs per operator.
const (
	DefaultMaxDialogs = 300
	MaxMaxDialogs     = 10000
)

// CompanyProfile is the company information window (the Twin seed). It
// may be saved half-filled, as a draft; ProfileMissing says what is left.
type CompanyProfile struct {
	Name              string     `json:"name"`
	Email             string     `json:"email"`
	Phone             string     `json:"phone"`
	TimeZone          string     `json:"timeZone"`
	MaxDialogs        int        `json:"maxDialogs"`
	Requisites        Requisites `json:"requisites"`
	LegalAddress      Address    `json:"legalAddress"`
	PostalAddress     Address    `json:"postalAddress"`
	PostalSameAsLegal bool       `json:"postalSameAsLegal"`
}

// Employee is a user with rights on a customer account.
type Employee struct {
	UserID     string `json:"userId"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Role       string `json:"role"`       // administrator | operator
	Status     string `json:"status"`     // invited | active | deactivated
	MaxDialogs *int   `json:"maxDialogs"` // an operator's own limit; nil uses the company default
}

// Employee roles on an account and membership states.
const (
	MemberAdministrator = "administrator"
	MemberOperator      = "operator"
	MemberInvited       = "invited"
	MemberActive        = "active"
	MemberDeactivated   = "deactivated"
)

// EmployeeInput registers a new employee ("Register new user").
type EmployeeInput struct {
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Role      string `json:"role"`
}

// EmployeeUpdate changes an employee; nil fields stay as they are.
type EmployeeUpdate struct {
	AccountID  string  `json:"accountId"`
	UserID     string  `json:"userId"`
	Role       *string `json:"role"`
	MaxDialogs *int    `json:"maxDialogs"`
	// ClearMaxDialogs returns an operator to the company default.
	ClearMaxDialogs bool  `json:"clearMaxDialogs"`
	Active          *bool `json:"active"`
}

// AcceptInvitationInput sets an invited employee's password.
type AcceptInvitationInput struct {
	Token           string `json:"token"`
	Password        string `json:"password"`
	PasswordConfirm string `json:"passwordConfirm"`
}

// AccountStatus is how far onboarding got, for the staff list's filter.
const (
	StatusRegistered      = "registered"       // details saved, phone not verified
	StatusVerified        = "verified"         // phone verified, profile incomplete
	StatusProfileComplete = "profile_complete" // everything the profile needs is there
)

// AccountSummary is one row of the staff's account list.
type AccountSummary struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	TaxID     string    `json:"taxId"` // INN or GSTIN
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

// AccountFilter selects accounts for the staff list. After is the cursor
// of the previous page (keyset pagination: pages cost the same at any depth).
type AccountFilter struct {
	Query  string `json:"query"`
	Status string `json:"status"`
	After  string `json:"after"`
	Limit  int    `json:"limit"`
}

// AccountPage is one page of the account list.
type AccountPage struct {
	Items []AccountSummary `json:"items"`
	Next  string           `json:"next"` // "" on the last page
}

// MyAccount is what a customer user's home needs at sign-in.
type MyAccount struct {
	Account *Account `json:"account"` // nil until the account details are saved
	Role    string   `json:"role"`    // the user's role on it
}

// AccountService keeps customer accounts, their profiles and employees.
// Errors: EUNAUTHORIZED, EFORBIDDEN (role), ENOTFOUND, EINVALID with field
// errors, ECONFLICT (an employee email already registered).
type AccountService interface {
	MyAccount(ctx context.Context) (MyAccount, error)
	FindAccountByID(ctx context.Context, id string) (*Account, error)
	FindAccounts(ctx context.Context, filter AccountFilter) (AccountPage, error)
	// SendAccountPhoneCode sends a code to the number typed in the account
	// details form (SMS to a mobile, a voice call to a landline).
	SendAccountPhoneCode(ctx context.Context, phoneType, phone string) (PhoneCodeSent, error)
	VerifyAccountPhone(ctx context.Context, phone, code string) error
	// SaveAccountDetails creates (accountID "") or updates an account's
	// details. A customer creates their own; staff create on a customer's behalf.
	SaveAccountDetails(ctx context.Context, accountID string, d AccountDetails) (*Account, error)
	SaveCompany(ctx context.Context, accountID string, p CompanyProfile) (*Account, error)
	FindEmployees(ctx context.Context, accountID, query string) ([]Employee, error)
	InviteEmployee(ctx context.Context, in EmployeeInput) (*Employee, error)
	UpdateEmployee(ctx context.Context, upd EmployeeUpdate) (*Employee, error)
	AcceptInvitation(ctx context.Context, in AcceptInvitationInput) error
}

// ProfileMissing is the completeness rule: the profile fields that must be
// filled before the company window stops reopening. Only the fields of the
// requisites' country count. It judges presence; formats are checked when
// saving.
func ProfileMissing(a *Account) []string {
	p := a.Profile
	missing := []string{}
	need := func(field, v string) {
		if v == "" {
			missing = append(missing, field)
		}
	}
	if !a.PhoneVerified {
		missing = append(missing, "details.phone")
	}
	need("name", p.Name)
	need("email", p.Email)
	need("phone", p.Phone)
	need("timeZone", p.TimeZone)
	if p.MaxDialogs < 1 {
		missing = append(missing, "maxDialogs")
	}
	// The requisites' own rule says which of them the country needs.
	var rf Fields
	p.Requisites.Validate(&rf, a.Details.Type, true)
	for _, e := range rf {
		if e.Code == "required" {
			missing = append(missing, e.Field)
		}
	}
	for _, addr := range []struct {
		prefix string
		a      Address
	}{{"legalAddress", p.LegalAddress}, {"postalAddress", p.PostalAddress}} {
		if addr.prefix == "postalAddress" && p.PostalSameAsLegal {
			continue
		}
		need(addr.prefix+".country", addr.a.Country)
		need(addr.prefix+".postcode", addr.a.Postcode)
		need(addr.prefix+".city", addr.a.City)
		need(addr.prefix+".line1", addr.a.Line1)
	}
	return missing
}

// CanViewAccount and CanEditAccount are the role rules for accounts.
// isMember and memberRole describe the user's membership of the account,
// createdBy who created it.
func CanViewAccount(u *User, createdBy string, memberRole string) bool {
	switch u.Role {
	case RoleAdmin, RoleReviewer, RoleManager:
		return true
	case RoleAgent:
		return createdBy == u.ID
	}
	return memberRole != ""
}

// CanEditAccount: back-office admins edit any account, field agents the
// ones they onboard, a customer's administrators their own; managers and
// reviewers only look, operators only work.
func CanEditAccount(u *User, createdBy string, memberRole string) bool {
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleAgent:
		return createdBy == u.ID
	case RoleCustomer:
		return memberRole == MemberAdministrator
	}
	return false
}

// EffectiveMaxDialogs is the most dialogs an employee may hold at once: an
// operator's own limit when set, the company default otherwise.
func EffectiveMaxDialogs(p CompanyProfile, e Employee) int {
	if e.Role == MemberOperator && e.MaxDialogs != nil {
		return *e.MaxDialogs
	}
	if p.MaxDialogs > 0 {
		return p.MaxDialogs
	}
	return DefaultMaxDialogs
}
