package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gatehouse/backend"
	"gatehouse/backend/store"
)

// accountsEnv adds the account service and staff users to env.
type accountsEnv struct {
	*env
	accts *store.AccountService
	admin context.Context
}

func newAccountsEnv(tb testing.TB) *accountsEnv {
	tb.Helper()
	e := newEnv(tb)
	a := &accountsEnv{env: e, accts: store.NewAccountService(e.db, e.svc)}
	in := validInput()
	in.Email = "admin@gatehouse.test"
	a.admin, _ = e.verifiedUser(tb, in) // the first user administers the installation
	return a
}

// user registers and verifies someone with a role and returns their context.
func (a *accountsEnv) user(tb testing.TB, email string, role backend.Role) context.Context {
	tb.Helper()
	in := validInput()
	in.Email = email
	ctx, _ := a.verifiedUser(tb, in)
	if role != backend.RoleCustomer {
		u, err := a.svc.SetUserRole(a.admin, email, role)
		if err != nil {
			tb.Fatal(err)
		}
		ctx = backend.NewContextWithUser(context.Background(), u)
	}
	return ctx
}

func companyDetails() backend.AccountDetails {
	return backend.AccountDetails{Type: backend.AccountCompany, FirstName: "Anna", LastName: "Petrova", CompanyName: "ООО Ромашка",
		Sector: "telecom", PhoneType: "mobile", Phone: "+79123456789"}
}

// completeProfile is a profile that passes the completeness rule (a real
// bank's public requisites).
func completeProfile() backend.CompanyProfile {
	addr := backend.Address{Country: "RU", Postcode: "117312", City: "Москва", Line1: "ул. Вавилова, 19"}
	return backend.CompanyProfile{Name: "ООО Ромашка", Email: "office@romashka.example", Phone: "+74951234567", TimeZone: "Europe/Moscow",
		MaxDialogs: 300, LegalAddress: addr, PostalSameAsLegal: true,
		Requisites: backend.Requisites{Country: "RU", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195", BIK: "044525225",
			CorrAccount: "30101810400000000225", SettlementAccount: "40702810938000000001", BankName: "ПАО Сбербанк"}}
}

func TestAccountDetails(t *testing.T) {
	t.Run("OwnPhoneNeedsNoCode", func(t *testing.T) {
		a := newAccountsEnv(t)
		cust := a.user(t, "client@example.com", backend.RoleCustomer)
		acct, err := a.accts.SaveAccountDetails(cust, "", companyDetails())
		if err != nil {
			t.Fatal(err)
		}
		if !acct.PhoneVerified || acct.Profile.MaxDialogs != 300 || acct.Profile.Email != "client@example.com" || !acct.CanEdit {
			t.Fatalf("account %+v", acct)
		}
		my, err := a.accts.MyAccount(cust)
		if err != nil || my.Account == nil || my.Account.ID != acct.ID || my.Role != backend.MemberAdministrator {
			t.Fatalf("my account: %+v %v", my, err)
		}
		if _, err := a.accts.SaveAccountDetails(cust, "", companyDetails()); backend.ErrorCode(err) != backend.ECONFLICT {
			t.Fatalf("second account: %v", err)
		}
	})
	t.Run("OtherPhoneByCode", func(t *testing.T) {
		a := newAccountsEnv(t)
		cust := a.user(t, "client@example.com", backend.RoleCustomer)
		d := companyDetails()
		d.PhoneType, d.Phone = "landline", "+7 495 123-45-67"
		_, err := a.accts.SaveAccountDetails(cust, "", d)
		if got := fieldCodes(t, err)["details.phone"]; got != "phone_not_verified" {
			t.Fatalf("unverified phone: %v", err)
		}
		if n := a.count(t, `SELECT count(*) FROM accounts`); n != 0 {
			t.Fatal("refused details were saved")
		}
		if _, err := a.accts.SendAccountPhoneCode(cust, "landline", d.Phone); err != nil {
			t.Fatal(err)
		}
		m := a.last(t, "+74951234567")
		if m.channel != backend.ChannelVoice {
			t.Fatalf("a landline gets a voice call, got %s", m.channel)
		}
		if err := a.accts.VerifyAccountPhone(cust, d.Phone, m.code(t)); err != nil {
			t.Fatal(err)
		}
		acct, err := a.accts.SaveAccountDetails(cust, "", d)
		if err != nil || acct.Details.Phone != "+74951234567" {
			t.Fatalf("save: %v %+v", err, acct)
		}
	})
	for _, tt := range []struct {
		name  string
		edit  func(d *backend.AccountDetails)
		field string
		code  string
	}{
		{"ErrType", func(d *backend.AccountDetails) { d.Type = "trust" }, "details.type", "account_type_invalid"},
		{"ErrFirstName", func(d *backend.AccountDetails) { d.FirstName = "" }, "details.firstName", "required"},
		{"ErrLastNameLong", func(d *backend.AccountDetails) { d.LastName = strings.Repeat("я", 129) }, "details.lastName", "too_long"},
		{"ErrCompanyName", func(d *backend.AccountDetails) { d.CompanyName = " " }, "details.companyName", "required"},
		{"ErrSector", func(d *backend.AccountDetails) { d.Sector = "mining" }, "details.sector", "sector_invalid"},
		{"ErrSectorOther", func(d *backend.AccountDetails) { d.Sector = "other" }, "details.sectorOther", "required"},
		{"ErrPhoneType", func(d *backend.AccountDetails) { d.PhoneType = "fax" }, "details.phoneType", "phone_type_invalid"},
		{"ErrPhone", func(d *backend.AccountDetails) { d.Phone = "123" }, "details.phone", "phone_invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAccountsEnv(t)
			cust := a.user(t, "client@example.com", backend.RoleCustomer)
			d := companyDetails()
			tt.edit(&d)
			_, err := a.accts.SaveAccountDetails(cust, "", d)
			if got := fieldCodes(t, err)[tt.field]; got != tt.code {
				t.Fatalf("got %q, want %q: %v", got, tt.code, err)
			}
			if n := a.count(t, `SELECT count(*) FROM accounts`) + a.count(t, `SELECT count(*) FROM memberships`); n != 0 {
				t.Fatal("refused details wrote rows")
			}
		})
	}
	t.Run("IndividualNeedsNoCompanyName", func(t *testing.T) {
		a := newAccountsEnv(t)
		cust := a.user(t, "client@example.com", backend.RoleCustomer)
		d := companyDetails()
		d.Type, d.CompanyName = backend.AccountIndividual, ""
		acct, err := a.accts.SaveAccountDetails(cust, "", d)
		if err != nil || acct.Profile.Name != "Anna Petrova" {
			t.Fatalf("individual: %v %+v", err, acct)
		}
	})
}

func TestCompanyProfile(t *testing.T) {
	a := newAccountsEnv(t)
	cust := a.user(t, "client@example.com", backend.RoleCustomer)
	acct, err := a.accts.SaveAccountDetails(cust, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	if acct.Complete || !contains(acct.Missing, "requisites.inn") || !contains(acct.Missing, "legalAddress.city") {
		t.Fatalf("a new account is incomplete, missing %v", acct.Missing)
	}

	t.Run("DraftSaves", func(t *testing.T) {
		p := acct.Profile
		p.Name = "ООО Ромашка"
		p.Requisites.INN = "7707083893"
		got, err := a.accts.SaveCompany(cust, acct.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Complete || got.Profile.Requisites.INN != "7707083893" || contains(got.Missing, "requisites.inn") {
			t.Fatalf("draft: %+v", got)
		}
	})

	t.Run("BadFieldSavesNothing", func(t *testing.T) {
		before, _ := a.accts.FindAccountByID(cust, acct.ID)
		p := completeProfile()
		p.Requisites.INN = "7707083894" // wrong check digit
		p.MaxDialogs = 0
		_, err := a.accts.SaveCompany(cust, acct.ID, p)
		codes := fieldCodes(t, err)
		if codes["requisites.inn"] != "inn_checksum" || codes["maxDialogs"] != "max_dialogs_range" {
			t.Fatalf("codes %v", codes)
		}
		after, _ := a.accts.FindAccountByID(cust, acct.ID)
		if !reflect.DeepEqual(before.Profile, after.Profile) {
			t.Fatal("a refused save changed the profile")
		}
	})

	t.Run("Complete", func(t *testing.T) {
		got, err := a.accts.SaveCompany(cust, acct.ID, completeProfile())
		if err != nil {
			t.Fatal(err)
		}
		if !got.Complete || len(got.Missing) != 0 || got.Profile.PostalAddress != got.Profile.LegalAddress {
			t.Fatalf("complete: missing %v, postal %+v", got.Missing, got.Profile.PostalAddress)
		}
		if n := a.count(t, `SELECT count(*) FROM accounts WHERE status = 'profile_complete'`); n != 1 {
			t.Fatal("status not updated")
		}
		if n := a.count(t, `SELECT count(*) FROM changes WHERE entity = 'account'`); n < 3 {
			t.Fatalf("account writes not in the change log: %d", n)
		}
	})

	t.Run("DialogLimits", func(t *testing.T) {
		for _, tt := range []struct {
			max  int
			code string
		}{{1, ""}, {10000, ""}, {0, "max_dialogs_range"}, {-5, "max_dialogs_range"}, {10001, "max_dialogs_range"}} {
			p := completeProfile()
			p.MaxDialogs = tt.max
			_, err := a.accts.SaveCompany(cust, acct.ID, p)
			if tt.code == "" && err != nil || tt.code != "" && fieldCodes(t, err)["maxDialogs"] != tt.code {
				t.Fatalf("max %d: %v", tt.max, err)
			}
		}
	})
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func TestAccountRoles(t *testing.T) {
	a := newAccountsEnv(t)
	cust := a.user(t, "client@example.com", backend.RoleCustomer)
	other := a.user(t, "other@example.com", backend.RoleCustomer)
	agent := a.user(t, "agent@gatehouse.test", backend.RoleAgent)
	agent2 := a.user(t, "agent2@gatehouse.test", backend.RoleAgent)
	manager := a.user(t, "manager@gatehouse.test", backend.RoleManager)
	reviewer := a.user(t, "reviewer@gatehouse.test", backend.RoleReviewer)

	own, err := a.accts.SaveAccountDetails(cust, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	// A field agent onboards a customer on the customer's behalf.
	onboarded, err := a.accts.SaveAccountDetails(agent, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		ctx        context.Context
		id         string
		view, edit string // expected error codes, "" for allowed
	}{
		{"OwnerEdits", cust, own.ID, "", ""},
		{"OtherCustomerSeesNothing", other, own.ID, backend.ENOTFOUND, backend.ENOTFOUND},
		{"AdminEditsAny", a.admin, own.ID, "", ""},
		{"ManagerOnlyLooks", manager, own.ID, "", backend.EFORBIDDEN},
		{"ReviewerOnlyLooks", reviewer, own.ID, "", backend.EFORBIDDEN},
		{"AgentEditsOwnOnboarding", agent, onboarded.ID, "", ""},
		{"AgentDoesNotSeeOthers", agent2, onboarded.ID, backend.ENOTFOUND, backend.ENOTFOUND},
		{"AgentDoesNotSeeSelfSignUps", agent, own.ID, backend.ENOTFOUND, backend.ENOTFOUND},
		{"SignedOut", context.Background(), own.ID, backend.EUNAUTHORIZED, backend.EUNAUTHORIZED},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.accts.FindAccountByID(tt.ctx, tt.id)
			if backend.ErrorCode(err) != tt.view {
				t.Fatalf("view: got %v, want %q", err, tt.view)
			}
			if err == nil && got.CanEdit != (tt.edit == "") {
				t.Fatalf("canEdit %v, want %v", got.CanEdit, tt.edit == "")
			}
			p := completeProfile()
			if _, err := a.accts.SaveCompany(tt.ctx, tt.id, p); backend.ErrorCode(err) != tt.edit {
				t.Fatalf("edit: got %v, want %q", err, tt.edit)
			}
		})
	}
	if _, err := a.accts.SaveAccountDetails(manager, "", companyDetails()); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Fatalf("manager created an account: %v", err)
	}
	if _, err := a.accts.FindAccounts(cust, backend.AccountFilter{}); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Fatalf("customer listed accounts: %v", err)
	}
	page, err := a.accts.FindAccounts(agent, backend.AccountFilter{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != onboarded.ID {
		t.Fatalf("agent's list: %+v %v", page, err)
	}
	if _, err := a.svc.SetUserRole(manager, "client@example.com", backend.RoleAdmin); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Fatalf("manager granted a role: %v", err)
	}
}

func TestEmployees(t *testing.T) {
	a := newAccountsEnv(t)
	cust := a.user(t, "client@example.com", backend.RoleCustomer)
	acct, err := a.accts.SaveAccountDetails(cust, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	emp, err := a.accts.InviteEmployee(cust, backend.EmployeeInput{AccountID: acct.ID, Name: "Олег Иванов", Email: "Oleg@Example.com", Phone: "+79161234567", Role: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	if emp.Status != backend.MemberInvited || emp.Email != "oleg@example.com" {
		t.Fatalf("invited %+v", emp)
	}
	if !strings.Contains(a.last(t, "oleg@example.com").body, "gatehouse://invite?token=") {
		t.Fatal("no invitation link")
	}
	_, err = a.accts.InviteEmployee(cust, backend.EmployeeInput{AccountID: acct.ID, Name: "Dup", Email: "oleg@example.com", Phone: "+79161234567"})
	if got := fieldCodes(t, err)["email"]; got != "email_taken" {
		t.Fatalf("duplicate: %v", err)
	}
	list, err := a.accts.FindEmployees(cust, acct.ID, "олег")
	if err != nil || len(list) != 1 {
		t.Fatalf("search: %+v %v", list, err)
	}

	t.Run("DialogOverride", func(t *testing.T) {
		if got := backend.EffectiveMaxDialogs(acct.Profile, *emp); got != 300 {
			t.Fatalf("default: %d", got)
		}
		n := 25
		e, err := a.accts.UpdateEmployee(cust, backend.EmployeeUpdate{AccountID: acct.ID, UserID: emp.UserID, MaxDialogs: &n})
		if err != nil || backend.EffectiveMaxDialogs(acct.Profile, *e) != 25 {
			t.Fatalf("override: %v %+v", err, e)
		}
		bad := 10001
		_, err = a.accts.UpdateEmployee(cust, backend.EmployeeUpdate{AccountID: acct.ID, UserID: emp.UserID, MaxDialogs: &bad})
		if fieldCodes(t, err)["maxDialogs"] != "max_dialogs_range" {
			t.Fatalf("range: %v", err)
		}
		e, _ = a.accts.UpdateEmployee(cust, backend.EmployeeUpdate{AccountID: acct.ID, UserID: emp.UserID, ClearMaxDialogs: true})
		if e.MaxDialogs != nil {
			t.Fatal("override not cleared")
		}
	})

	t.Run("LastAdministratorStays", func(t *testing.T) {
		me, _ := backend.RequireUser(cust)
		off := false
		_, err := a.accts.UpdateEmployee(cust, backend.EmployeeUpdate{AccountID: acct.ID, UserID: me.ID, Active: &off})
		if fieldCodes(t, err)["role"] != "last_administrator" {
			t.Fatalf("deactivated the last administrator: %v", err)
		}
	})

	t.Run("Accept", func(t *testing.T) {
		tok := a.last(t, "oleg@example.com").token(t)
		if err := a.accts.AcceptInvitation(context.Background(), backend.AcceptInvitationInput{Token: tok, Password: "short", PasswordConfirm: "short"}); fieldCodes(t, err)["password"] == "" {
			t.Fatalf("weak password accepted: %v", err)
		}
		if err := a.accts.AcceptInvitation(context.Background(), backend.AcceptInvitationInput{Token: tok, Password: "Winter-Road-58", PasswordConfirm: "Winter-Road-58"}); err != nil {
			t.Fatal(err)
		}
		sess, err := a.svc.SignIn(context.Background(), backend.SignInInput{Email: "oleg@example.com", Password: "Winter-Road-58"})
		if err != nil || !sess.User.EmailVerified {
			t.Fatalf("sign in: %v", err)
		}
		octx := backend.NewContextWithUser(context.Background(), sess.User)
		my, err := a.accts.MyAccount(octx)
		if err != nil || my.Account.ID != acct.ID || my.Role != "operator" || my.Account.CanEdit {
			t.Fatalf("operator's account: %+v %v", my, err)
		}
		if _, err := a.accts.SaveCompany(octx, acct.ID, completeProfile()); backend.ErrorCode(err) != backend.EFORBIDDEN {
			t.Fatalf("operator edited: %v", err)
		}
		if err := a.accts.AcceptInvitation(context.Background(), backend.AcceptInvitationInput{Token: tok, Password: "Winter-Road-59", PasswordConfirm: "Winter-Road-59"}); backend.ErrorCode(err) != backend.EINVALID {
			t.Fatalf("reused invitation: %v", err)
		}
		off := false
		if _, err := a.accts.UpdateEmployee(cust, backend.EmployeeUpdate{AccountID: acct.ID, UserID: emp.UserID, Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.svc.Authenticate(context.Background(), sess.Token); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Fatal("a deactivated employee's session survived")
		}
		if _, err := a.accts.MyAccount(octx); backend.ErrorCode(err) != backend.EFORBIDDEN {
			t.Fatalf("deactivated employee's account: %v", err)
		}
	})
}

func TestFindAccounts(t *testing.T) {
	a := newAccountsEnv(t)
	agent := a.user(t, "agent@gatehouse.test", backend.RoleAgent)
	var ids []string
	for i := 0; i < 7; i++ {
		d := companyDetails()
		d.CompanyName = fmt.Sprintf("Company %d", i)
		acct, err := a.accts.SaveAccountDetails(agent, "", d)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, acct.ID)
	}
	if _, err := a.accts.SaveCompany(agent, ids[3], completeProfile()); err != nil {
		t.Fatal(err)
	}
	// Every case runs twice: searches as a few matches (read, then
	// listed), and as many (the accounts walked newest first).
	for _, broad := range []bool{false, true} {
		if broad {
			defer store.SetBroadSearch(1)()
		}
		findAccountsCases(t, a, ids, broad)
	}
}

func findAccountsCases(t *testing.T, a *accountsEnv, ids []string, broad bool) {
	for _, tt := range []struct {
		name   string
		filter backend.AccountFilter
		want   []string
	}{
		{"NewestFirst", backend.AccountFilter{Limit: 3}, []string{ids[6], ids[5], ids[4]}},
		{"NextPage", backend.AccountFilter{Limit: 3, After: ids[4]}, []string{ids[3], ids[2], ids[1]}},
		{"ByName", backend.AccountFilter{Query: "company 5"}, []string{ids[5]}},
		{"ByINN", backend.AccountFilter{Query: "7707083893"}, []string{ids[3]}},
		{"ByINNPrefix", backend.AccountFilter{Query: "770708"}, []string{ids[3]}},
		{"ByProfileName", backend.AccountFilter{Query: "ромаш"}, []string{ids[3]}},
		{"ByEmail", backend.AccountFilter{Query: "office@romashka.example"}, []string{ids[3]}},
		{"ByPhone", backend.AccountFilter{Query: "+7 912 345"}, ids[:7]},
		{"ByPhoneDialledInRussia", backend.AccountFilter{Query: "8 495 123-45-67"}, []string{ids[3]}},
		{"ByStatus", backend.AccountFilter{Status: "profile_complete"}, []string{ids[3]}},
		{"NoMatch", backend.AccountFilter{Query: "zzz"}, nil},
		{"OnlyPunctuation", backend.AccountFilter{Query: "\"*)"}, nil},
		{"SearchNextPage", backend.AccountFilter{Query: "company", Limit: 2, After: ids[4]}, []string{ids[3], ids[2]}},
		{"SearchByStatus", backend.AccountFilter{Query: "company", Status: "profile_complete"}, []string{ids[3]}},
		{"SearchLastPage", backend.AccountFilter{Query: "company", Limit: 3, After: ids[1]}, []string{ids[0]}},
	} {
		t.Run(fmt.Sprintf("%s/broad=%v", tt.name, broad), func(t *testing.T) {
			page, err := a.accts.FindAccounts(a.admin, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			want := tt.want
			if tt.name == "ByPhone" {
				want = []string{ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}
