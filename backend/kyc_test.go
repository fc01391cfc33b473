package backend_test

import (
	"strings"
	"testing"

	"gatehouse/backend"
)

// TestRequirementNames: every requirement of the catalogue has a name in
// each UI language, and missing requirements read as those names.
func TestRequirementNames(t *testing.T) {
	for _, co := range backend.Catalogue().Countries {
		for _, et := range co.EntityTypes {
			for _, r := range et.Requirements {
				if r.Name["en"] == "" || r.Name["ru"] == "" {
					t.Errorf("%s/%s/%s has no name in every language", co.Country, et.ID, r.ID)
				}
			}
		}
	}
	et, _ := backend.Catalogue().EntityType("IN", "individual")
	for _, tt := range []struct {
		lang string
		ids  []string
		want string
	}{
		{"en", []string{"pan", "address_proof"}, "Permanent account number (PAN), Address proof"},
		{"ru", []string{"pan", "address_proof"}, "Налоговый номер PAN, Подтверждение адреса"},
		{"de", []string{"address_proof"}, "Address proof"},
		{"en", []string{"no_such_requirement"}, "no_such_requirement"},
	} {
		if got := strings.Join(et.RequirementNames(tt.ids, tt.lang), ", "); got != tt.want {
			t.Errorf("%s %v: got %q, want %q", tt.lang, tt.ids, got, tt.want)
		}
	}
}

// TestCaseCountry: a case starts from the account's own country, from the
// most official place that says it, and from the installation's region
// only when the account says nothing.
func TestCaseCountry(t *testing.T) {
	// acct fills in a field next to each country given, as a customer does.
	acct := func(requisites, legal, postal, phone string) backend.Account {
		var a backend.Account
		a.Profile.Requisites = backend.Requisites{Country: requisites, BankName: "Bank"}
		a.Profile.LegalAddress = backend.Address{Country: legal, City: "City"}
		a.Profile.PostalAddress = backend.Address{Country: postal, City: "City"}
		a.Details.Phone = phone
		return a
	}
	// prefilled is a new account's profile: the installation's region and
	// nothing else.
	prefilled := func(phone string) backend.Account {
		var a backend.Account
		a.Profile.Requisites.Country, a.Profile.LegalAddress.Country = "RU", "RU"
		a.Details.Phone = phone
		return a
	}
	for _, tt := range []struct {
		name string
		a    backend.Account
		want string
	}{
		{"Requisites", acct("IN", "RU", "RU", "+79123456789"), "IN"},
		{"LegalAddress", acct("", "IN", "RU", "+79123456789"), "IN"},
		{"PostalAddress", acct("", "", "IN", "+79123456789"), "IN"},
		{"PrefilledProfileThenPhone", prefilled("+919876543210"), "IN"},
		{"Phone", acct("", "", "", "+919876543210"), "IN"},
		{"NothingSaid", backend.Account{}, "RU"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := backend.CaseCountry(tt.a, "RU"); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
