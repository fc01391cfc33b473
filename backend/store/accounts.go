package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"gatehouse/backend"
)

// AccountService implements backend.AccountService: customer accounts, their
// profiles and employees.
type AccountService struct {
	db   *DB
	opts UserOptions
	// users is for what employees share with every user: password policy
	// and hashing.
	users *UserService
}

var _ backend.AccountService = (*AccountService)(nil)

// NewAccountService returns the account service; it shares the user
// service's options and password rules.
func NewAccountService(db *DB, users *UserService) *AccountService {
	return &AccountService{db: db, opts: users.opts, users: users}
}

// InviteLinkTTL is how long an employee's invitation link works.
const InviteLinkTTL = 7 * 24 * time.Hour

const purposeInvite = "invite"

var (
	errAccountNotFound = backend.Keyed(backend.ENOTFOUND, "errors.account_not_found", "No such account.")
	errForbidden       = backend.Keyed(backend.EFORBIDDEN, "errors.forbidden", "You do not have permission to do this.")
)

// accountRow is an account as stored, with who may see it.
type accountRow struct {
	num       int64
	acct      backend.Account
	createdBy string
}

const accountColumns = `num, id, type, first_name, last_name, company_name, sector, sector_other, phone_type, phone,
	phone_verified_at, profile, created_by, created_at, updated_at`

// scanAccount reads a row of accountColumns, and then into extra any
// columns the query added after them.
func scanAccount(row scanner, extra ...any) (*accountRow, error) {
	var r accountRow
	a := &r.acct
	var verified sql.NullInt64
	var profile string
	var created, updated int64
	if err := row.Scan(append([]any{&r.num, &a.ID, &a.Details.Type, &a.Details.FirstName, &a.Details.LastName, &a.Details.CompanyName,
		&a.Details.Sector, &a.Details.SectorOther, &a.Details.PhoneType, &a.Details.Phone, &verified, &profile,
		&a.CreatedBy, &created, &updated}, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(profile), &a.Profile); err != nil {
		return nil, fmt.Errorf("account %s profile: %w", a.ID, err)
	}
	a.PhoneVerified = verified.Valid
	a.CreatedAt, a.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	r.createdBy = a.CreatedBy
	a.Missing = backend.ProfileMissing(a)
	a.Complete = len(a.Missing) == 0
	return &r, nil
}

// memberRole returns the user's active role on an account, "" if none.
func memberRole(q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, ctx context.Context, accountID, userID string) (string, error) {
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM memberships WHERE account_id = ? AND user_id = ? AND status = 'active'`, accountID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return role, err
}

// load reads an account and checks that the signed-in user may see it
// (edit, when edit is set). An account the user may not see is "not found".
func (s *AccountService) load(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string, edit bool) (*accountRow, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	r, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAccountNotFound
	} else if err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	role, err := memberRole(q, ctx, id, u.ID)
	if err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	if !backend.CanViewAccount(u, r.createdBy, role) {
		return nil, errAccountNotFound
	}
	r.acct.CanEdit = backend.CanEditAccount(u, r.createdBy, role)
	if edit && !r.acct.CanEdit {
		return nil, errForbidden
	}
	return r, nil
}

// FindAccountByID returns an account the signed-in user may see.
func (s *AccountService) FindAccountByID(ctx context.Context, id string) (*backend.Account, error) {
	r, err := s.load(ctx, s.db.read, id, false)
	if err != nil {
		return nil, err
	}
	return &r.acct, nil
}

// MyAccount returns the customer account of the signed-in user, if any.
// A user whose access was deactivated gets EFORBIDDEN, not a fresh form.
func (s *AccountService) MyAccount(ctx context.Context) (backend.MyAccount, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return backend.MyAccount{}, err
	}
	var id, role, status string
	err = s.db.read.QueryRowContext(ctx, `SELECT account_id, role, status FROM memberships WHERE user_id = ?
		ORDER BY status = 'active' DESC, created_at LIMIT 1`, u.ID).Scan(&id, &role, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return backend.MyAccount{}, nil
	} else if err != nil {
		return backend.MyAccount{}, fmt.Errorf("my account: %w", err)
	}
	if status != backend.MemberActive {
		return backend.MyAccount{}, backend.Keyed(backend.EFORBIDDEN, "errors.member_deactivated", "Your access to this account was turned off. Ask its administrator.")
	}
	a, err := s.FindAccountByID(ctx, id)
	if err != nil {
		return backend.MyAccount{}, err
	}
	return backend.MyAccount{Account: a, Role: role}, nil
}

// SendAccountPhoneCode sends a code to the number of the account details
// form: an SMS to a mobile, a voice call to a landline.
func (s *AccountService) SendAccountPhoneCode(ctx context.Context, phoneType, phone string) (backend.PhoneCodeSent, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return backend.PhoneCodeSent{}, err
	}
	var f backend.Fields
	checkPhoneType(&f, "phoneType", phoneType)
	phone = backend.NormalizePhone(&f, "phone", phone, s.opts.DefaultRegion)
	if err := f.Err(); err != nil {
		return backend.PhoneCodeSent{}, err
	}
	channel := backend.ChannelSMS
	if phoneType == "landline" {
		channel = backend.ChannelVoice
	}
	var out backend.PhoneCodeSent
	err = s.db.update(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.sendCode(throttleKey("account-phone", u.ID+phone), u.ID, "account_phone:"+phone, channel, phone)
		return err
	})
	if err != nil {
		return backend.PhoneCodeSent{}, fmt.Errorf("send account phone code: %w", err)
	}
	return out, nil
}

// VerifyAccountPhone checks a code sent by SendAccountPhoneCode and records
// the number as verified for this user.
func (s *AccountService) VerifyAccountPhone(ctx context.Context, phone, code string) error {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return err
	}
	var f backend.Fields
	phone = backend.NormalizePhone(&f, "phone", phone, s.opts.DefaultRegion)
	if err := f.Err(); err != nil {
		return err
	}
	if err := checkCodeFormat(code); err != nil {
		return err
	}
	var ok bool
	err = s.db.update(ctx, func(tx *Tx) error {
		if ok, err = tx.useCode(u.ID, "account_phone:"+phone, code); err != nil || !ok {
			return err
		}
		_, err := tx.Exec(`INSERT INTO phone_verifications (user_id, phone, verified_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, phone) DO UPDATE SET verified_at = excluded.verified_at`, u.ID, phone, ms(tx.now))
		return err
	})
	if err != nil {
		return fmt.Errorf("verify account phone: %w", err)
	} else if !ok {
		return errCodeInvalid
	}
	return nil
}

func checkPhoneType(f *backend.Fields, field, v string) {
	if v != "mobile" && v != "landline" {
		f.Add(field, "phone_type_invalid", nil)
	}
}

// validateDetails checks the account details form; phone comes back E.164.
func (s *AccountService) validateDetails(d backend.AccountDetails) (backend.AccountDetails, error) {
	return checkDetails(d, s.opts.DefaultRegion)
}

// checkDetails is the account details form's rules; region reads phone
// numbers typed without a country code.
func checkDetails(d backend.AccountDetails, region string) (backend.AccountDetails, error) {
	var f backend.Fields
	if d.Type != backend.AccountIndividual && d.Type != backend.AccountCompany {
		f.Add("details.type", "account_type_invalid", nil)
	}
	d.FirstName = backend.CleanText(&f, "details.firstName", d.FirstName, 128, true)
	d.LastName = backend.CleanText(&f, "details.lastName", d.LastName, 128, true)
	d.CompanyName = backend.CleanText(&f, "details.companyName", d.CompanyName, 200, d.Type == backend.AccountCompany)
	if d.Type == backend.AccountIndividual {
		d.CompanyName = backend.CleanText(&f, "details.companyName", d.CompanyName, 200, false)
	}
	switch {
	case d.Sector == "":
		f.Add("details.sector", "required", nil)
	case !contains(backend.Sectors, d.Sector):
		f.Add("details.sector", "sector_invalid", nil)
	}
	d.SectorOther = backend.CleanText(&f, "details.sectorOther", d.SectorOther, 128, d.Sector == "other")
	if d.Sector != "other" {
		d.SectorOther = ""
	}
	checkPhoneType(&f, "details.phoneType", d.PhoneType)
	d.Phone = backend.NormalizePhone(&f, "details.phone", d.Phone, region)
	return d, f.Err()
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// phoneVerified reports whether the user proved this number: by a code in
// the details form within a day, or as their own verified phone.
func (tx *Tx) phoneVerified(u *backend.User, phone string) (bool, error) {
	if u.PhoneVerified && u.Phone == phone {
		return true, nil
	}
	var n int
	err := tx.QueryRow(`SELECT count(*) FROM phone_verifications WHERE user_id = ? AND phone = ? AND verified_at > ?`,
		u.ID, phone, ms(tx.now.Add(-24*time.Hour))).Scan(&n)
	return n > 0, err
}

// SaveAccountDetails creates or updates an account's details. Returns
// EINVALID (details.phone "phone_not_verified" until the code was typed),
// EFORBIDDEN, ENOTFOUND, ECONFLICT (a customer's second account).
func (s *AccountService) SaveAccountDetails(ctx context.Context, accountID string, d backend.AccountDetails) (*backend.Account, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if accountID == "" && u.Role != backend.RoleCustomer && u.Role != backend.RoleAdmin && u.Role != backend.RoleAgent {
		return nil, errForbidden
	}
	d, err = s.validateDetails(d)
	if err != nil {
		return nil, err
	}
	var id string
	err = s.db.update(ctx, func(tx *Tx) error {
		var r *accountRow
		if accountID != "" {
			if r, err = s.load(ctx, tx, accountID, true); err != nil {
				return err
			}
		}
		phoneChanged := r == nil || r.acct.Details.Phone != d.Phone || !r.acct.PhoneVerified
		if phoneChanged {
			if ok, err := tx.phoneVerified(u, d.Phone); err != nil {
				return err
			} else if !ok {
				var f backend.Fields
				f.Add("details.phone", "phone_not_verified", nil)
				return f.Err()
			}
		}
		if r == nil {
			return s.createAccount(ctx, tx, u, d, &id)
		}
		id = r.acct.ID
		a := r.acct
		a.Details = d
		a.PhoneVerified = true
		return tx.writeAccount(r.num, &a, false)
	})
	if err != nil {
		return nil, wrapUnlessApp("save account details", err)
	}
	return s.FindAccountByID(ctx, id)
}

func (s *AccountService) createAccount(ctx context.Context, tx *Tx, u *backend.User, d backend.AccountDetails, id *string) error {
	if u.Role == backend.RoleCustomer {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM memberships WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			return backend.Keyed(backend.ECONFLICT, "errors.account_exists", "You already have an account.")
		}
	}
	a := backend.Account{ID: newID(), Details: d, PhoneVerified: true, CreatedBy: u.ID, CreatedAt: tx.now}
	// Prefill the profile with what is already known; the user corrects it.
	a.Profile = backend.CompanyProfile{Name: displayName(d), Phone: d.Phone, MaxDialogs: backend.DefaultMaxDialogs,
		Requisites: backend.Requisites{Country: s.opts.DefaultRegion}, PostalSameAsLegal: true,
		LegalAddress: backend.Address{Country: s.opts.DefaultRegion}}
	if u.Role == backend.RoleCustomer {
		a.Profile.Email, a.Profile.TimeZone = u.Email, u.TimeZone
	}
	*id = a.ID
	if err := tx.writeAccount(0, &a, true); err != nil {
		return err
	}
	if u.Role == backend.RoleCustomer {
		return tx.putMember(a.ID, u.ID, backend.MemberAdministrator, backend.MemberActive, nil)
	}
	return nil
}

func displayName(d backend.AccountDetails) string {
	if d.Type == backend.AccountCompany && d.CompanyName != "" {
		return d.CompanyName
	}
	return strings.TrimSpace(d.FirstName + " " + d.LastName)
}

// accountStatus derives the onboarding status the staff list filters by.
func accountStatus(a *backend.Account) string {
	switch {
	case !a.PhoneVerified:
		return backend.StatusRegistered
	case len(backend.ProfileMissing(a)) > 0:
		return backend.StatusVerified
	}
	return backend.StatusProfileComplete
}

func taxID(r backend.Requisites) string {
	if r.GSTIN != "" {
		return r.GSTIN
	}
	return r.INN
}

// searchBody is what the staff search finds an account by: names, emails,
// phone digits and tax numbers.
func searchBody(a *backend.Account) string {
	p := a.Profile
	parts := []string{displayName(a.Details), a.Details.FirstName, a.Details.LastName, a.Details.CompanyName, p.Name, p.Email,
		p.Requisites.INN, p.Requisites.GSTIN, p.Requisites.PAN, p.Requisites.OGRN}
	for _, ph := range []string{a.Details.Phone, p.Phone} {
		if ph != "" {
			parts = append(parts, strings.TrimPrefix(ph, "+"), backend.PhoneNational(ph))
		}
	}
	return strings.Join(parts, " ")
}

// indexAccount writes an account's search row, replacing the old one.
// SQLite's FTS4 table takes no upsert; INSERT OR REPLACE on the docid
// does the same. PostgreSQL gets the words split as FTS4's unicode61
// splits them, so both find the same accounts.
func (tx *Tx) indexAccount(num int64, a *backend.Account) error {
	return tx.indexSearch(num, searchBody(a))
}

func (tx *Tx) indexSearch(num int64, body string) error {
	if tx.db.eng.postgres {
		_, err := tx.Exec(`INSERT INTO accounts_fts (docid, body) VALUES (?, ?) ON CONFLICT (docid) DO UPDATE SET body = excluded.body`,
			num, strings.Join(searchWords(body), " "))
		return err
	}
	_, err := tx.Exec(`INSERT OR REPLACE INTO accounts_fts (docid, body) VALUES (?, ?)`, num, body)
	return err
}

// writeAccount inserts (create) or updates an account with its derived
// columns, search entry and change-log entry.
func (tx *Tx) writeAccount(num int64, a *backend.Account, create bool) error {
	profile, err := json.Marshal(a.Profile)
	if err != nil {
		return err
	}
	d := a.Details
	var verified any
	if a.PhoneVerified {
		verified = ms(tx.now)
	}
	if create {
		if err := tx.QueryRow(`INSERT INTO accounts (id, type, first_name, last_name, company_name, sector, sector_other, phone_type, phone,
			phone_verified_at, profile, display_name, email, tax_id, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING num`,
			a.ID, d.Type, d.FirstName, d.LastName, d.CompanyName, d.Sector, d.SectorOther, d.PhoneType, d.Phone, verified,
			string(profile), displayName(d), a.Profile.Email, taxID(a.Profile.Requisites), accountStatus(a), a.CreatedBy, ms(tx.now), ms(tx.now)).Scan(&num); err != nil {
			return err
		}
	} else {
		if _, err := tx.Exec(`UPDATE accounts SET type = ?, first_name = ?, last_name = ?, company_name = ?, sector = ?, sector_other = ?,
			phone_type = ?, phone = ?, phone_verified_at = coalesce(phone_verified_at, ?), profile = ?, display_name = ?, email = ?,
			tax_id = ?, status = ?, updated_at = ? WHERE num = ?`,
			d.Type, d.FirstName, d.LastName, d.CompanyName, d.Sector, d.SectorOther, d.PhoneType, d.Phone, verified, string(profile),
			displayName(d), a.Profile.Email, taxID(a.Profile.Requisites), accountStatus(a), ms(tx.now), num); err != nil {
			return err
		}
		if accountStatus(a) == backend.StatusProfileComplete {
			if _, err := tx.Exec(`UPDATE accounts SET completed_at = coalesce(completed_at, ?) WHERE num = ?`, ms(tx.now), num); err != nil {
				return err
			}
		}
	}
	if err := tx.indexAccount(num, a); err != nil {
		return err
	}
	return tx.appendChange("account", a.ID, "upsert", map[string]any{"details": d, "phoneVerified": a.PhoneVerified,
		"profile": a.Profile, "createdBy": a.CreatedBy, "updatedAt": tx.now})
}

// SaveCompany saves the company information window. Empty fields are fine
// (a draft); a malformed one refuses the whole save, so nothing partial is
// written.
func (s *AccountService) SaveCompany(ctx context.Context, accountID string, p backend.CompanyProfile) (*backend.Account, error) {
	err := s.db.update(ctx, func(tx *Tx) error {
		r, err := s.load(ctx, tx, accountID, true)
		if err != nil {
			return err
		}
		p, err = s.validateProfile(p, r.acct.Details.Type)
		if err != nil {
			return err
		}
		a := r.acct
		a.Profile = p
		return tx.writeAccount(r.num, &a, false)
	})
	if err != nil {
		return nil, wrapUnlessApp("save company", err)
	}
	return s.FindAccountByID(ctx, accountID)
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

func (s *AccountService) validateProfile(p backend.CompanyProfile, accountType string) (backend.CompanyProfile, error) {
	return checkProfile(p, accountType, s.opts.DefaultRegion)
}

// checkProfile is the company profile form's rules (a draft may leave
// fields empty, but not malformed).
func checkProfile(p backend.CompanyProfile, accountType, region string) (backend.CompanyProfile, error) {
	var f backend.Fields
	p.Name = backend.CleanText(&f, "name", p.Name, 200, false)
	if strings.TrimSpace(p.Email) != "" {
		p.Email = backend.NormalizeEmail(&f, "email", p.Email)
	} else {
		p.Email = ""
	}
	if strings.TrimSpace(p.Phone) != "" {
		p.Phone = backend.NormalizePhone(&f, "phone", p.Phone, region)
	} else {
		p.Phone = ""
	}
	if strings.TrimSpace(p.TimeZone) != "" {
		p.TimeZone = backend.ValidTimeZone(&f, "timeZone", p.TimeZone)
	}
	if p.MaxDialogs < 1 || p.MaxDialogs > backend.MaxMaxDialogs {
		f.Add("maxDialogs", "max_dialogs_range", map[string]any{"max": backend.MaxMaxDialogs})
	}
	p.Requisites = p.Requisites.Validate(&f, accountType, false)
	p.LegalAddress = cleanAddress(&f, "legalAddress", p.LegalAddress)
	if p.PostalSameAsLegal {
		p.PostalAddress = p.LegalAddress
	} else {
		p.PostalAddress = cleanAddress(&f, "postalAddress", p.PostalAddress)
	}
	return p, f.Err()
}

func cleanAddress(f *backend.Fields, prefix string, a backend.Address) backend.Address {
	a.Country = strings.ToUpper(backend.CleanText(f, prefix+".country", a.Country, 2, false))
	if a.Country != "" && !countryRE.MatchString(a.Country) {
		f.Add(prefix+".country", "country_invalid", nil)
	}
	a.Postcode = backend.CleanText(f, prefix+".postcode", a.Postcode, 20, false)
	backend.CheckPostcode(f, prefix+".postcode", a.Country, a.Postcode)
	a.Region = backend.CleanText(f, prefix+".region", a.Region, 100, false)
	a.City = backend.CleanText(f, prefix+".city", a.City, 100, false)
	a.Line1 = backend.CleanText(f, prefix+".line1", a.Line1, 200, false)
	a.Line2 = backend.CleanText(f, prefix+".line2", a.Line2, 200, false)
	return a
}

// wrapUnlessApp adds context to internal errors and leaves application
// errors as they are, so the user still sees their message.
func wrapUnlessApp(op string, err error) error {
	var e *backend.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// FindAccounts lists accounts for staff, newest first, one keyset page at
// a time. Field agents see the accounts they onboarded; customers none.
func (s *AccountService) FindAccounts(ctx context.Context, filter backend.AccountFilter) (backend.AccountPage, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return backend.AccountPage{}, err
	}
	if u.Role == backend.RoleCustomer {
		return backend.AccountPage{}, errForbidden
	}
	limit := filter.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var where []string
	var args []any
	if match := s.db.eng.searchQuery(filter.Query); match != "" {
		cond, arg, err := s.db.searchCondition(ctx, match)
		if err != nil {
			return backend.AccountPage{}, err
		}
		where = append(where, cond)
		args = append(args, arg)
	} else if strings.TrimSpace(filter.Query) != "" {
		return backend.AccountPage{Items: []backend.AccountSummary{}}, nil
	}
	if filter.Status != "" {
		if !contains([]string{backend.StatusRegistered, backend.StatusVerified, backend.StatusProfileComplete}, filter.Status) {
			var f backend.Fields
			f.Add("status", "status_invalid", nil)
			return backend.AccountPage{}, f.Err()
		}
		where = append(where, `status = ?`)
		args = append(args, filter.Status)
	}
	if u.Role == backend.RoleAgent {
		where = append(where, `created_by = ?`)
		args = append(args, u.ID)
	}
	if filter.After != "" {
		where = append(where, `id < ?`)
		args = append(args, filter.After)
	}
	q := `SELECT id, display_name, type, email, phone, tax_id, status, created_at FROM accounts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return backend.AccountPage{}, fmt.Errorf("find accounts: %w", err)
	}
	defer rows.Close()
	page := backend.AccountPage{Items: []backend.AccountSummary{}}
	for rows.Next() {
		var a backend.AccountSummary
		var created int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Type, &a.Email, &a.Phone, &a.TaxID, &a.Status, &created); err != nil {
			return backend.AccountPage{}, fmt.Errorf("find accounts: %w", err)
		}
		a.CreatedAt = time.UnixMilli(created).UTC()
		page.Items = append(page.Items, a)
	}
	if err := rows.Err(); err != nil {
		return backend.AccountPage{}, fmt.Errorf("find accounts: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = page.Items[limit-1].ID
	}
	return page, nil
}

// searchWords splits text into lower-case words as FTS4's unicode61
// tokenizer does: anything but a letter or a digit separates words.
func searchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// searchWhere is the search's condition on accounts, for a query made by
// searchQuery.
func (e *engine) searchWhere() string {
	if e.postgres {
		return `num IN (SELECT docid FROM accounts_fts WHERE words @@ to_tsquery('simple', ?))`
	}
	return `num IN (SELECT docid FROM accounts_fts WHERE body MATCH ?)`
}

// broadSearch is how many matching accounts make a search broad.
var broadSearch = 5000

// searchCondition is the search's condition on accounts for a query made
// by searchQuery, and its argument. SQLite answers a search from its
// matches: it reads them, finds their accounts and sorts them newest
// first, which is quick for a few and took 100 ms for a word in every one
// of 100,000 accounts ("ООО", "company"), to show fifty. So the matches
// are read first, up to broadSearch: fewer are handed to the query as they
// are (json_each), and for more, the query walks the accounts newest first
// and keeps those that match (the unary + stops SQLite from starting from
// the matches), which stops at the page's end.
func (db *DB) searchCondition(ctx context.Context, match string) (string, any, error) {
	if db.eng.postgres {
		return db.eng.searchWhere(), match, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT docid FROM accounts_fts WHERE body MATCH ? LIMIT ?`, match, broadSearch)
	if err != nil {
		return "", nil, fmt.Errorf("find accounts: %w", err)
	}
	nums, err := scanTexts(rows) // docids, as decimal text
	if err != nil {
		return "", nil, fmt.Errorf("find accounts: %w", err)
	}
	if len(nums) >= broadSearch {
		return "+" + db.eng.searchWhere(), match, nil
	}
	return `num IN (SELECT value FROM json_each(?))`, "[" + strings.Join(nums, ",") + "]", nil
}

// searchQuery turns what a person typed into a full-text query: every
// word must match as a prefix. Punctuation separates words, as in the
// index, so "anna.petrova@example" works; digit groups typed apart
// ("+7 912 345") are joined, as phone numbers are indexed whole. A number
// starting with 8, as phones are dialled within Russia ("8 913 100-10-50"),
// also matches without it, the national number the index holds. The words
// hold only letters and digits, so neither engine's query syntax can be
// injected.
func (e *engine) searchQuery(q string) string {
	words := searchWords(q)
	var joined []string
	for _, w := range words {
		if n := len(joined); n > 0 && isDigits(w) && isDigits(joined[n-1]) {
			joined[n-1] += w
			continue
		}
		joined = append(joined, w)
	}
	if len(joined) > 8 {
		joined = joined[:8]
	}
	prefix, or, and := "*", " OR ", " "
	if e.postgres {
		prefix, or, and = ":*", " | ", " & "
	}
	for i, w := range joined {
		if len(w) >= 5 && w[0] == '8' && isDigits(w) {
			joined[i] = "(" + w + prefix + or + w[1:] + prefix + ")"
			continue
		}
		joined[i] = w + prefix
	}
	return strings.Join(joined, and)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
