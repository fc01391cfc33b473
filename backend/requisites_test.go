package backend_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"gatehouse/backend"
)

// The examples are real, published numbers where one exists:
//   - Sberbank's requisites (INN, KPP, OGRN, BIK, correspondent account and
//     its own account 30301810000006000001), as on its site and in every
//     payment guide; Yandex LLC's INN, KPP and OGRN.
//   - ANO "Klub dobrykh druzey goroda" (kddg.ru/donate): INN, OGRN and an
//     account at Bank "Saint Petersburg", printed there in groups.
//   - The Bank of Russia's own worked examples of the account key (Порядок
//     расчета контрольного ключа, 08.09.1997 N 515): correspondent account
//     30101810800000000746 and client account 40602810700000000025 at
//     BIK 049805746.
//   - The Moscow treasury office's BIK 004525988 and single treasury account
//     40102810545370000003, printed on fines and state fees.
//   - For sole proprietors, whose numbers are personal data, the documented
//     examples of python-stdnum (INN 123456789047, OGRNIP 385768585948949)
//     and of the Go package ru-doc-code (OGRNIP 304500116000157).
//   - GSTIN 27AAPFU0939F1ZV and PAN AAPFU0939F from the GST guides (also
//     python-stdnum's example), PAN AAAPL1234C from the Income Tax
//     Department's format description, IFSC SBIN0000001 (SBI, Kolkata main
//     branch) and HDFC0000001 (HDFC Bank, Mumbai).
//   - IBANs from the SWIFT IBAN Registry and the ECBS/Wikipedia examples;
//     BICs DEUTDEFF and DEUTDEFF500 (Deutsche Bank), SABRRUMM (Sberbank),
//     SBININBB (State Bank of India), NWBKGB2L (NatWest).
//
// Each is also tried with a wrong check digit: the checks exist to catch
// typos, so a test that only accepts proves little.

func TestCheckINN(t *testing.T) {
	for _, tt := range []struct {
		in, entity, want string
	}{
		{"7707083893", "company", ""}, // Sberbank
		{"7736207543", "company", ""}, // Yandex
		{"7813669506", "company", ""}, // ANO KDDG
		{"7707083893", "", ""},        // either length when the type is unknown
		{"123456789047", "individual", ""},
		{"123456789047", "", ""},
		{"7707083894", "company", "inn_checksum"},
		{"7707083839", "company", "inn_checksum"}, // two digits swapped
		{"7736207534", "company", "inn_checksum"},
		{"123456789037", "individual", "inn_checksum"},        // first check digit wrong
		{"123456789048", "individual", "inn_checksum"},        // second check digit wrong
		{"7707083893", "individual", "inn_length_individual"}, // a company's INN for a sole proprietor
		{"123456789047", "company", "inn_length_company"},
		{"770708389", "company", "inn_length_company"},
		{"77070838933", "", "inn_length"},
		{"7707O83893", "company", "inn_digits"}, // letter O
		{"770708389３", "company", "inn_digits"}, // full-width digit
		{"", "company", "inn_digits"},
	} {
		t.Run(tt.in+"/"+tt.entity, func(t *testing.T) {
			if got := backend.CheckINN(tt.in, tt.entity); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckOGRN(t *testing.T) {
	for _, tt := range []struct {
		in, entity, want string
	}{
		{"1027700132195", "company", ""}, // Sberbank
		{"1027700229193", "company", ""}, // Yandex
		{"1227800168804", "company", ""}, // ANO KDDG
		{"1022200525819", "", ""},        // python-stdnum
		{"304500116000157", "individual", ""},
		{"385768585948949", "individual", ""}, // remainder 12: the last digit is 2
		{"304500116000157", "", ""},
		{"1027700132196", "company", "ogrn_checksum"},
		{"1027700229139", "company", "ogrn_checksum"}, // two digits swapped
		{"1022500001328", "", "ogrn_checksum"},        // python-stdnum's invalid example
		{"304500116000158", "individual", "ogrn_checksum"},
		{"385768585948941", "individual", "ogrn_checksum"},
		{"304500116000157", "company", "ogrn_length"},
		{"1027700132195", "individual", "ogrn_length"},
		{"102770013219", "", "ogrn_length"},
		{"10277001321955", "", "ogrn_length"},
		{"1027700l32195", "company", "ogrn_digits"},
	} {
		t.Run(tt.in+"/"+tt.entity, func(t *testing.T) {
			if got := backend.CheckOGRN(tt.in, tt.entity); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckKPPAndBIK(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"kpp", backend.CheckKPP, "773601001", ""}, // Sberbank
		{"kpp", backend.CheckKPP, "770401001", ""}, // Yandex
		{"kpp", backend.CheckKPP, "7736AB001", ""}, // letters in the reason code since 2019
		{"kpp", backend.CheckKPP, "77360100", "kpp_format"},
		{"kpp", backend.CheckKPP, "7736010011", "kpp_format"},
		{"kpp", backend.CheckKPP, "773601O01", "kpp_format"},
		{"kpp", backend.CheckKPP, "77A601001", "kpp_format"},
		{"kpp", backend.CheckKPP, "7736ab001", "kpp_format"}, // Validate upper-cases first
		{"bik", backend.CheckBIK, "044525225", ""},           // Sberbank
		{"bik", backend.CheckBIK, "044030790", ""},           // Bank "Saint Petersburg"
		{"bik", backend.CheckBIK, "004525988", ""},           // Moscow treasury office
		{"bik", backend.CheckBIK, "04452522", "bik_format"},
		{"bik", backend.CheckBIK, "144525225", "bik_format"}, // no country code
		{"bik", backend.CheckBIK, "994525225", "bik_format"},
		{"bik", backend.CheckBIK, "0445252250", "bik_format"},
		{"bik", backend.CheckBIK, "04452522S", "bik_format"},
	} {
		t.Run(tt.name+"/"+tt.in, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckRussianAccount(t *testing.T) {
	for _, tt := range []struct {
		account, bik string
		corr         bool
		want         string
	}{
		{"30101810400000000225", "044525225", true, ""},  // Sberbank's correspondent account
		{"30301810000006000001", "044525225", false, ""}, // an account at Sberbank
		{"30101810900000000790", "044030790", true, ""},  // Bank "Saint Petersburg"
		{"40703810890480000101", "044030790", false, ""}, // ANO KDDG's account there
		{"30101810800000000746", "049805746", true, ""},  // Bank of Russia's worked example
		{"40602810700000000025", "049805746", false, ""}, // Bank of Russia's worked example
		{"40102810545370000003", "004525988", true, ""},  // single treasury account, Moscow
		{"40102810545370000003", "044525000", false, ""}, // held at the Bank of Russia itself
		{"03100643000000017300", "004525988", false, ""}, // treasury accounts have no key
		{"30101810400000000225", "", true, ""},           // no BIK: only the format is checked
		{"30101810400000000225", "04452522", true, ""},   // nor against an invalid one
		{"30101810400000000226", "044525225", true, "account_key"},
		{"30101810500000000225", "044525225", true, "account_key"},  // the key itself
		{"30101810400000000225", "044535225", true, "account_key"},  // typo in the BIK's 6th digit
		{"40703810890480000101", "044030791", false, "account_key"}, // typo in the BIK's last digit
		{"40703810890480000110", "044030790", false, "account_key"}, // two digits swapped
		{"40602810700000000025", "049805746", true, "account_key"},  // a client account is not keyed as correspondent
		{"30101810400000000225", "044525225", false, "account_key"}, // nor the other way round
		{"3010181040000000022", "044525225", true, "account_format"},
		{"301018104000000002250", "044525225", true, "account_format"},
		{"3010181040000000022O", "044525225", true, "account_format"},
	} {
		t.Run(tt.account+"/"+tt.bik, func(t *testing.T) {
			if got := backend.CheckRussianAccount(tt.account, tt.bik, tt.corr); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckPAN(t *testing.T) {
	for _, tt := range []struct {
		in, entity, want string
	}{
		{"AAAPL1234C", "individual", ""}, // P: a person
		{"ACUPA7085R", "individual", ""}, // python-stdnum
		{"AAPFU0939F", "company", ""},    // F: a firm
		{"AAACR5055K", "company", ""},    // C: a company
		{"AAAPL1234C", "", ""},
		{"AAAPL1234C", "company", "pan_entity"},
		{"AAPFU0939F", "individual", "pan_entity"},
		{"AAAXL1234C", "", "pan_format"}, // X is no kind of holder
		{"AAAPL12345", "", "pan_format"},
		{"AAAPL1234", "", "pan_format"},
		{"AAAPL1234CC", "", "pan_format"},
		{"aaapl1234c", "", "pan_format"}, // Validate upper-cases first
		{"AA1PL1234C", "", "pan_format"},
	} {
		t.Run(tt.in+"/"+tt.entity, func(t *testing.T) {
			if got := backend.CheckPAN(tt.in, tt.entity); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckIndia(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F1ZV", ""},
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F1ZW", "gstin_checksum"},
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F1ZO", "gstin_checksum"}, // python-stdnum's invalid example
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F2ZV", "gstin_checksum"}, // another entity number
		{"gstin", backend.CheckGSTIN, "27AAPFU0993F1ZV", "gstin_checksum"}, // two digits swapped
		{"gstin", backend.CheckGSTIN, "00AAPFU0939F1ZV", "gstin_state"},
		{"gstin", backend.CheckGSTIN, "39AAPFU0939F1ZV", "gstin_state"},
		{"gstin", backend.CheckGSTIN, "27AAPXU0939F1ZV", "gstin_format"}, // X is no kind of PAN holder
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F1Z", "gstin_format"},
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F0ZV", "gstin_format"}, // entity numbers start at 1
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F1YV", "gstin_format"},
		{"gstin", backend.CheckGSTIN, "2AAAPFU0939F1ZV", "gstin_format"},
		{"gstin", backend.CheckGSTIN, "27AAPFU0939F1Z-", "gstin_format"},
		{"ifsc", backend.CheckIFSC, "SBIN0000001", ""},
		{"ifsc", backend.CheckIFSC, "HDFC0000001", ""},
		{"ifsc", backend.CheckIFSC, "HDFC0ABC123", ""},
		{"ifsc", backend.CheckIFSC, "SBIN1000001", "ifsc_format"}, // 5th must be zero
		{"ifsc", backend.CheckIFSC, "SBINO000001", "ifsc_format"}, // letter O for zero
		{"ifsc", backend.CheckIFSC, "SB1N0000001", "ifsc_format"},
		{"ifsc", backend.CheckIFSC, "SBIN000001", "ifsc_format"},
		{"ifsc", backend.CheckIFSC, "SBIN00000011", "ifsc_format"},
		{"account", backend.CheckBankAccountIN, "123456789", ""},
		{"account", backend.CheckBankAccountIN, "123456789012345678", ""},
		{"account", backend.CheckBankAccountIN, "12345678", "bank_account_format"},
		{"account", backend.CheckBankAccountIN, "1234567890123456789", "bank_account_format"},
		{"account", backend.CheckBankAccountIN, "12345678901234567A", "bank_account_format"},
	} {
		t.Run(tt.name+"/"+tt.in, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckIBAN(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"GB82WEST12345698765432", ""},
		{"DE89370400440532013000", ""},
		{"FR1420041010050500013M02606", ""},
		{"NL91ABNA0417164300", ""},
		{"BE68539007547034", ""},
		{"CH9300762011623852957", ""},
		{"AT611904300234573201", ""},
		{"ES9121000418450200051332", ""},
		{"IT60X0542811101000000123456", ""},
		{"PL61109010140000071219812874", ""},
		{"SE4550000000058398257466", ""},
		{"NO9386011117947", ""}, // the shortest
		{"MT84MALT011000012345MTLCAST001S", ""},
		{"AD1200012030200359100100", ""},
		{"SA0380000000608010167519", ""},
		{"BR1800360305000010009795493C1", ""},
		{"BY13NBRB3600900000002Z00AB00", ""},
		{"GB82WEST12345698765431", "iban_checksum"},
		{"GB28WEST12345698765432", "iban_checksum"}, // check digits swapped
		{"DE89370400440532031000", "iban_checksum"}, // two digits swapped
		{"DE89370400440532013001", "iban_checksum"},
		{"NL91ABNA0417164301", "iban_checksum"},
		{"FR1420041010050500013N02606", "iban_checksum"}, // letter typo
		{"GB00WEST12345698765432", "iban_checksum"},      // never-issued check digits
		{"GB82WEST1234569876543", "iban_length"},
		{"DE8937040044053201300", "iban_length"},
		{"DE893704004405320130001", "iban_length"},
		{"US82WEST12345698765432", "iban_country"}, // the US has no IBANs
		{"XX82WEST12345698765432", "iban_country"},
		{"82WEST12345698765432", "iban_country"},
		{"G", "iban_country"},
		{"GBAAWEST12345698765432", "iban_format"},
		{"GB82WEST1234569876543!", "iban_format"},
		{"GB82west12345698765432", "iban_format"}, // Validate upper-cases first
		{"GB8", "iban_format"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := backend.CheckIBAN(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckSWIFTAndVAT(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"swift", backend.CheckSWIFT, "DEUTDEFF", ""},
		{"swift", backend.CheckSWIFT, "DEUTDEFF500", ""},
		{"swift", backend.CheckSWIFT, "SABRRUMM", ""},
		{"swift", backend.CheckSWIFT, "SBININBB", ""},
		{"swift", backend.CheckSWIFT, "NWBKGB2L", ""},
		{"swift", backend.CheckSWIFT, "NWBKGB2LXXX", ""},
		{"swift", backend.CheckSWIFT, "DEUTDEF", "swift_format"},
		{"swift", backend.CheckSWIFT, "DEUTDEFF5", "swift_format"},
		{"swift", backend.CheckSWIFT, "DEUTDEFF5000", "swift_format"},
		{"swift", backend.CheckSWIFT, "DEU1DEFF", "swift_format"},
		{"swift", backend.CheckSWIFT, "DEUTZZFF", "swift_format"}, // ZZ is no country
		{"swift", backend.CheckSWIFT, "DEUTD3FF", "swift_format"},
		{"swift", backend.CheckSWIFT, "DEUTDEF!", "swift_format"},
		{"vat", backend.CheckVAT, "DE123456789", ""},
		{"vat", backend.CheckVAT, "GB 123 4567 89", ""},
		{"vat", backend.CheckVAT, "CHE-123.456.789", ""},
		{"vat", backend.CheckVAT, "ATU1", ""},
		{"vat", backend.CheckVAT, "DE1", "vat_format"},
		{"vat", backend.CheckVAT, "DE123456789012345678901", "vat_format"},
		{"vat", backend.CheckVAT, "DE123456789/1", "vat_format"},
		{"vat", backend.CheckVAT, "ДЕ123456789", "vat_format"},
	} {
		t.Run(tt.name+"/"+tt.in, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// sberbank are Sberbank's requisites as a company would type them.
var sberbank = backend.Requisites{
	Country: "ru", INN: " 7707083893", KPP: "773601001", OGRN: "1027700132195",
	BIK: "044525225", CorrAccount: "30101 810 4 0000 0000225", SettlementAccount: "30301810000006000001",
	BankName: " ПАО Сбербанк ",
}

func TestRequisitesValidate(t *testing.T) {
	for _, tt := range []struct {
		name     string
		in       backend.Requisites
		entity   string
		required bool
		want     backend.Requisites // compared when no errors are expected
		errs     map[string]string  // field (without "requisites.") -> code
	}{
		{
			name: "RussianCompanyOK", in: sberbank, entity: "company", required: true,
			want: backend.Requisites{Country: "RU", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195",
				BIK: "044525225", CorrAccount: "30101810400000000225", SettlementAccount: "30301810000006000001",
				BankName: "ПАО Сбербанк"},
		},
		{
			name: "OtherCountriesFieldsDropped", entity: "company", required: true,
			in: with(sberbank, func(r *backend.Requisites) { r.GSTIN, r.IBAN, r.VAT, r.SWIFT = "junk", "junk", "junk", "junk" }),
			want: backend.Requisites{Country: "RU", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195",
				BIK: "044525225", CorrAccount: "30101810400000000225", SettlementAccount: "30301810000006000001",
				BankName: "ПАО Сбербанк"},
		},
		{
			name: "RussianDraftWithGaps", entity: "company", required: false,
			in:   backend.Requisites{Country: "RU", INN: "7813669506", BIK: "044030790", SettlementAccount: "40703 810 8 9048 0000101"},
			want: backend.Requisites{Country: "RU", INN: "7813669506", BIK: "044030790", SettlementAccount: "40703810890480000101"},
		},
		{
			name: "RussianCompanyGapsRequired", entity: "company", required: true,
			in:   backend.Requisites{Country: "RU", INN: "7813669506", BIK: "044030790", SettlementAccount: "40703810890480000101"},
			errs: map[string]string{"kpp": "required", "ogrn": "required", "corrAccount": "required", "bankName": "required"},
		},
		{
			name: "SoleProprietorOK", entity: "individual", required: true,
			in: backend.Requisites{Country: "RU", INN: "123456789047", KPP: "773601001", OGRN: "304500116000157",
				BIK: "049805746", CorrAccount: "30101810800000000746", SettlementAccount: "40602810700000000025", BankName: "Bank"},
			// A sole proprietor has no KPP: dropped, not refused.
			want: backend.Requisites{Country: "RU", INN: "123456789047", OGRN: "304500116000157",
				BIK: "049805746", CorrAccount: "30101810800000000746", SettlementAccount: "40602810700000000025", BankName: "Bank"},
		},
		{
			name: "WrongCheckDigits", entity: "company", required: true,
			in: with(sberbank, func(r *backend.Requisites) {
				r.INN, r.OGRN, r.CorrAccount = "7707083894", "1027700132196", "30101810400000000226"
			}),
			errs: map[string]string{"inn": "inn_checksum", "ogrn": "ogrn_checksum", "corrAccount": "account_key"},
		},
		{
			// The last three digits of the BIK key the account at the bank,
			name: "BIKTypoInBankNumber", entity: "company", required: true,
			in:   with(sberbank, func(r *backend.Requisites) { r.BIK = "044525226" }),
			errs: map[string]string{"settlementAccount": "account_key"},
		},
		{
			// the 5th and 6th the correspondent account at the Bank of Russia.
			name: "BIKTypoInRegion", entity: "company", required: true,
			in:   with(sberbank, func(r *backend.Requisites) { r.BIK = "044535225" }),
			errs: map[string]string{"corrAccount": "account_key"},
		},
		{
			name: "InvalidBIKSkipsKeys", entity: "company", required: true,
			in:   with(sberbank, func(r *backend.Requisites) { r.BIK = "04452522" }),
			errs: map[string]string{"bik": "bik_format"},
		},
		{
			name: "LengthsByEntityType", entity: "individual", required: true,
			in:   with(sberbank, func(r *backend.Requisites) {}),
			errs: map[string]string{"inn": "inn_length_individual", "ogrn": "ogrn_length"},
		},
		{
			name: "InvisibleAndTooLong", entity: "company", required: true,
			in: with(sberbank, func(r *backend.Requisites) {
				r.INN, r.KPP, r.BankName = "7707083893\u200b", "7736\u202e01001", strings.Repeat("Банк ", 41)
			}),
			errs: map[string]string{"inn": "invisible_chars", "kpp": "invisible_chars", "bankName": "too_long"},
		},
		{
			name: "IndianFirmOK", entity: "company", required: true,
			in: backend.Requisites{Country: "IN", GSTIN: "27aapfu 0939f 1zv", PAN: "aapfu0939f", IFSC: " hdfc0000001",
				BankAccount: "5010 0012 3456 78", BankName: "HDFC Bank", INN: "7707083893"},
			want: backend.Requisites{Country: "IN", GSTIN: "27AAPFU0939F1ZV", PAN: "AAPFU0939F", IFSC: "HDFC0000001",
				BankAccount: "50100012345678", BankName: "HDFC Bank"},
		},
		{
			name: "IndianProprietorWithoutGSTIN", entity: "individual", required: true,
			in:   backend.Requisites{Country: "IN", PAN: "AAAPL1234C", IFSC: "SBIN0000001", BankAccount: "123456789", BankName: "SBI"},
			want: backend.Requisites{Country: "IN", PAN: "AAAPL1234C", IFSC: "SBIN0000001", BankAccount: "123456789", BankName: "SBI"},
		},
		{
			name: "GSTINOfAnotherPAN", entity: "individual", required: true,
			in: backend.Requisites{Country: "IN", GSTIN: "27AAPFU0939F1ZV", PAN: "AAAPL1234C", IFSC: "SBIN0000001",
				BankAccount: "123456789", BankName: "SBI"},
			errs: map[string]string{"gstin": "gstin_pan_mismatch"},
		},
		{
			name: "IndianErrors", entity: "individual", required: true,
			in: backend.Requisites{Country: "IN", GSTIN: "27AAPFU0939F1ZW", PAN: "AAPFU0939F", IFSC: "SBIN1000001",
				BankAccount: "12345678", BankName: "SBI"},
			errs: map[string]string{"gstin": "gstin_checksum", "pan": "pan_entity", "ifsc": "ifsc_format", "bankAccount": "bank_account_format"},
		},
		{
			name: "GermanyOK", entity: "company", required: true,
			in: backend.Requisites{Country: "DE", VAT: " de  123456789 ", IBAN: "DE89 3704 0044 0532 0130 00", SWIFT: "deutdeff",
				BankName: "Deutsche Bank", INN: "7707083893", PAN: "AAAPL1234C"},
			want: backend.Requisites{Country: "DE", VAT: "DE 123456789", IBAN: "DE89370400440532013000", SWIFT: "DEUTDEFF",
				BankName: "Deutsche Bank"},
		},
		{
			name: "ForeignIBANIsFine", entity: "company", required: true,
			in:   backend.Requisites{Country: "JE", IBAN: "GB82WEST12345698765432", SWIFT: "NWBKGB2L", BankName: "NatWest"},
			want: backend.Requisites{Country: "JE", IBAN: "GB82WEST12345698765432", SWIFT: "NWBKGB2L", BankName: "NatWest"},
		},
		{
			name: "NoIBANWhereThereAreNone", entity: "company", required: true,
			in:   backend.Requisites{Country: "US", SWIFT: "CHASUS33", BankName: "JPMorgan Chase"},
			want: backend.Requisites{Country: "US", SWIFT: "CHASUS33", BankName: "JPMorgan Chase"},
		},
		{
			name: "IBANRequiredWhereUsed", entity: "company", required: true,
			in:   backend.Requisites{Country: "GB", SWIFT: "NWBKGB2L", BankName: "NatWest"},
			errs: map[string]string{"iban": "required"},
		},
		{
			name: "ElsewhereErrors", entity: "company", required: true,
			in: backend.Requisites{Country: "GB", VAT: "GB/1", IBAN: "GB82WEST12345698765431", SWIFT: "NWBKZZ2L",
				BankName: "NatWest"},
			errs: map[string]string{"vat": "vat_format", "iban": "iban_checksum", "swift": "swift_format"},
		},
		{
			name: "NoCountryYet", entity: "company", required: false,
			in:   backend.Requisites{INN: "7707083893", GSTIN: "27aapfu0939f1zv", IBAN: "de89370400440532013000"},
			want: backend.Requisites{INN: "7707083893", GSTIN: "27AAPFU0939F1ZV", IBAN: "DE89370400440532013000"},
		},
		{
			name: "NoCountryRequired", entity: "company", required: true,
			in:   backend.Requisites{INN: "7707083893"},
			errs: map[string]string{"country": "required"},
		},
		{
			name: "NotACountryChecksEverything", entity: "company", required: true,
			in:   backend.Requisites{Country: "XX", INN: "7707083894", PAN: "AAAXL1234C", IBAN: "DE00370400440532013000"},
			errs: map[string]string{"country": "country_invalid", "inn": "inn_checksum", "pan": "pan_format", "iban": "iban_checksum"},
		},
		{
			name: "WithdrawnCountryCode", entity: "company", required: false,
			in:   backend.Requisites{Country: "UK"},
			errs: map[string]string{"country": "country_invalid"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var f backend.Fields
			got := tt.in.Validate(&f, tt.entity, tt.required)
			errs := map[string]string{}
			for _, e := range f {
				name := strings.TrimPrefix(e.Field, "requisites.")
				if _, dup := errs[name]; dup {
					t.Errorf("two errors for %s: %v", name, f)
				}
				errs[name] = e.Code
			}
			if tt.errs == nil {
				tt.errs = map[string]string{}
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			if len(tt.errs) == 0 && got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestValidateIBANLengthParams(t *testing.T) {
	var f backend.Fields
	backend.Requisites{Country: "DE", IBAN: "DE8937040044053201300"}.Validate(&f, "company", false)
	if len(f) != 1 || f[0].Code != "iban_length" || f[0].Params["length"] != 22 || f[0].Params["country"] != "DE" {
		t.Fatalf("got %+v", f)
	}
}

// TestRequisitesMissing is what the completeness rule sees: the fields a
// country needs, as "required" errors of empty requisites.
func TestRequisitesMissing(t *testing.T) {
	for _, tt := range []struct {
		country, entity, want string
	}{
		{"RU", "company", "bankName bik corrAccount inn kpp ogrn settlementAccount"},
		{"ru", "individual", "bankName bik corrAccount inn ogrn settlementAccount"},
		{"IN", "company", "bankAccount bankName ifsc pan"},
		{"IN", "individual", "bankAccount bankName ifsc pan"},
		{"DE", "company", "bankName iban swift"},
		{"US", "company", "bankName swift"},
		{"", "company", "country"},
		{"XX", "company", ""}, // country_invalid, and nothing is known to be missing
	} {
		t.Run(tt.country+"/"+tt.entity, func(t *testing.T) {
			var f backend.Fields
			backend.Requisites{Country: tt.country}.Validate(&f, tt.entity, true)
			var missing []string
			for _, e := range f {
				if e.Code == "required" {
					missing = append(missing, strings.TrimPrefix(e.Field, "requisites."))
				}
			}
			sort.Strings(missing)
			if got := strings.Join(missing, " "); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func with(r backend.Requisites, change func(*backend.Requisites)) backend.Requisites {
	change(&r)
	return r
}
