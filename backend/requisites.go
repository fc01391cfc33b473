package backend

import (
	"strings"
	"unicode"

	"golang.org/x/text/language"
)

// Requisites are the invoice details of a company; which fields apply
// depends on Country. Values are kept in their normalised form: no spaces,
// upper case where the format has letters.
type Requisites struct {
	Country string `json:"country"` // ISO 3166-1 alpha-2: "RU", "IN", or any other

	// Russia.
	INN               string `json:"inn"`
	KPP               string `json:"kpp"`
	OGRN              string `json:"ogrn"` // OGRNIP (15 digits) for a sole proprietor
	BIK               string `json:"bik"`
	CorrAccount       string `json:"corrAccount"`
	SettlementAccount string `json:"settlementAccount"`

	// India.
	GSTIN       string `json:"gstin"`
	PAN         string `json:"pan"`
	IFSC        string `json:"ifsc"`
	BankAccount string `json:"bankAccount"`

	// Elsewhere.
	VAT   string `json:"vat"`
	IBAN  string `json:"iban"`
	SWIFT string `json:"swift"`

	// Everywhere: an invoice names the bank whatever the country's codes.
	BankName string `json:"bankName"`
}

// MaxBankNameLength is generous for the longest official bank names
// ("Публичное акционерное общество «...»" with a branch) yet bounded.
const MaxBankNameLength = 200

// Validate normalises the requisites and checks every field that applies
// to r.Country, adding field errors under "requisites.<json name>" to f. It
// returns the normalised requisites; fields that do not apply to the
// country are dropped, so nothing unchecked is ever stored.
//
// entityType is "company" or "individual" (a sole proprietor): it decides
// the INN length (10 or 12 digits), OGRN or OGRNIP (13 or 15), whether a
// KPP applies (companies only) and which fourth letters a PAN may have. Any
// other value accepts either form, as a check cannot guess.
//
// required says whether empty fields are errors: a draft saves with gaps,
// completeness asks for required=true and reads the "required" errors as
// the list of what is missing. Some fields are never required, because
// many businesses lawfully have none: a GSTIN (GST registration starts at a
// turnover threshold), a VAT number (likewise), and an IBAN where the
// country does not use IBANs.
//
// Until the country is known (empty, or not a country) every field given
// is checked and none is dropped, so a draft loses nothing.
//
// Codes: required, too_long, invisible_chars, country_invalid, and those of
// the Check functions, plus gstin_pan_mismatch.
func (r Requisites) Validate(f *Fields, entityType string, required bool) Requisites {
	const p = "requisites."
	var out Requisites
	out.Country = upperASCII(strings.TrimSpace(r.Country))
	known := false
	switch {
	case out.Country == "":
		if required {
			f.Add(p+"country", "required", nil)
		}
	case !isCountryCode(out.Country):
		f.Add(p+"country", "country_invalid", nil)
	default:
		known = true
	}
	need := map[string]bool{}
	if required {
		need = requiredRequisites(out.Country, entityType)
	}
	ru := !known || out.Country == "RU"
	in := !known || out.Country == "IN"
	other := !known || (out.Country != "RU" && out.Country != "IN")

	if ru {
		out.INN, _ = requisite(f, p+"inn", r.INN, need["inn"], false, func(s string) string { return CheckINN(s, entityType) })
		if entityType != AccountIndividual {
			// Sole proprietors have no KPP: it is the reason code of an
			// organisation's registration with a tax office.
			out.KPP, _ = requisite(f, p+"kpp", r.KPP, need["kpp"], true, CheckKPP)
		}
		out.OGRN, _ = requisite(f, p+"ogrn", r.OGRN, need["ogrn"], false, func(s string) string { return CheckOGRN(s, entityType) })
		var bikOK bool
		out.BIK, bikOK = requisite(f, p+"bik", r.BIK, need["bik"], false, CheckBIK)
		bik := ""
		if bikOK {
			bik = out.BIK // the accounts' keys are checked against a valid BIK only
		}
		out.CorrAccount, _ = requisite(f, p+"corrAccount", r.CorrAccount, need["corrAccount"], false, func(s string) string { return CheckRussianAccount(s, bik, true) })
		out.SettlementAccount, _ = requisite(f, p+"settlementAccount", r.SettlementAccount, need["settlementAccount"], false, func(s string) string { return CheckRussianAccount(s, bik, false) })
	}

	if in {
		var gstinOK, panOK bool
		out.GSTIN, gstinOK = requisite(f, p+"gstin", r.GSTIN, need["gstin"], true, CheckGSTIN)
		out.PAN, panOK = requisite(f, p+"pan", r.PAN, need["pan"], true, func(s string) string { return CheckPAN(s, entityType) })
		// A GSTIN is issued to a PAN and contains it: a different one means
		// one of the two belongs to someone else.
		if gstinOK && panOK && out.GSTIN != "" && out.PAN != "" && out.GSTIN[2:12] != out.PAN {
			f.Add(p+"gstin", "gstin_pan_mismatch", nil)
		}
		out.IFSC, _ = requisite(f, p+"ifsc", r.IFSC, need["ifsc"], true, CheckIFSC)
		out.BankAccount, _ = requisite(f, p+"bankAccount", r.BankAccount, need["bankAccount"], false, CheckBankAccountIN)
	}

	if other {
		// A VAT number keeps its inner spaces, one at a time: formats
		// differ by country and some are printed in groups.
		switch out.VAT = strings.TrimSpace(r.VAT); {
		case out.VAT == "":
			if need["vat"] {
				f.Add(p+"vat", "required", nil)
			}
		case hasInvisible(out.VAT):
			f.Add(p+"vat", "invisible_chars", nil)
		default:
			out.VAT = upperASCII(strings.Join(strings.Fields(out.VAT), " "))
			if code := CheckVAT(out.VAT); code != "" {
				f.Add(p+"vat", code, nil)
			}
		}
		var ibanOK bool
		out.IBAN, ibanOK = requisite(f, p+"iban", r.IBAN, need["iban"], true, func(string) string { return "" })
		if ibanOK && out.IBAN != "" {
			// The IBAN's country may differ from the company's: a bank
			// account abroad is common, so each IBAN is checked by its own.
			if code := CheckIBAN(out.IBAN); code == "iban_length" {
				f.Add(p+"iban", code, map[string]any{"country": out.IBAN[:2], "length": ibanLengths[out.IBAN[:2]]})
			} else if code != "" {
				f.Add(p+"iban", code, nil)
			}
		}
		out.SWIFT, _ = requisite(f, p+"swift", r.SWIFT, need["swift"], true, CheckSWIFT)
	}

	out.BankName = CleanText(f, p+"bankName", r.BankName, MaxBankNameLength, need["bankName"])
	return out
}

// requiredRequisites names the fields a complete set of requisites has for
// a country and entityType. Nothing but the country is needed until it is
// a country.
func requiredRequisites(country, entityType string) map[string]bool {
	if !isCountryCode(country) {
		return map[string]bool{"country": true}
	}
	var names []string
	switch country {
	case "RU":
		names = []string{"inn", "ogrn", "bik", "corrAccount", "settlementAccount"}
		if entityType == AccountCompany {
			names = append(names, "kpp")
		}
	case "IN":
		names = []string{"pan", "ifsc", "bankAccount"}
	default:
		names = []string{"swift"}
		if _, ok := ibanLengths[country]; ok {
			names = append(names, "iban")
		}
	}
	need := map[string]bool{"country": true, "bankName": true}
	for _, n := range names {
		need[n] = true
	}
	return need
}

// requisite normalises one code field (trim, drop inner spaces, and upper
// case when the format has letters) and checks it. It returns the
// normalised value and whether it passed; an empty optional value passes.
// Spaces are dropped because codes are printed in groups ("40702 810 3 ...",
// "GB82 WEST 1234 ...") and pasted that way.
func requisite(f *Fields, field, s string, required, upper bool, check func(string) string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			f.Add(field, "required", nil)
			return "", false
		}
		return "", true
	}
	// Before dropping spaces: a zero-width space would otherwise vanish
	// from the check but not from what the user sees and copies.
	if hasInvisible(s) {
		f.Add(field, "invisible_chars", nil)
		return s, false
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if upper {
		s = upperASCII(s)
	}
	if code := check(s); code != "" {
		f.Add(field, code, nil)
		return s, false
	}
	return s, true
}

// upperASCII upper-cases Latin letters only: strings.ToUpper would also
// turn look-alikes such as the dotless "ı" into "I" and let them pass.
func upperASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// isCountryCode accepts ISO 3166-1 alpha-2 country codes, upper case, by
// CLDR's region data. Codes CLDR replaces (UK by GB, DD by DE, FX by FR)
// are refused, so that one country has one spelling.
func isCountryCode(s string) bool {
	if len(s) != 2 || !asciiLetters(s) {
		return false
	}
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry() && r.Canonicalize() == r && r.String() == s
}

func asciiDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func asciiLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

func asciiAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < 'A' || s[i] > 'Z') && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return s != ""
}

// weightedSum multiplies the leading digits of s by weights; s must be
// ASCII digits at least as long as weights.
func weightedSum(s string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return sum
}

// Russia.

var (
	inn10Weights  = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights1 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights2 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// CheckINN checks a Russian taxpayer number: 10 digits for a company, 12
// for an individual or sole proprietor, with check digits as the Federal Tax
// Service defines them (weighted sum mod 11 mod 10). entityType "company" or
// "individual" asks for the matching length; anything else accepts both.
// s must be normalised (no spaces). Codes: inn_digits, inn_length (or,
// when the entity type is known, inn_length_company or
// inn_length_individual, which say the one length it needs),
// inn_checksum; "" when valid.
func CheckINN(s, entityType string) string {
	if !asciiDigits(s) {
		return "inn_digits"
	}
	switch {
	case len(s) == 10 && entityType != AccountIndividual:
		if weightedSum(s, inn10Weights)%11%10 != int(s[9]-'0') {
			return "inn_checksum"
		}
	case len(s) == 12 && entityType != AccountCompany:
		if weightedSum(s, inn12Weights1)%11%10 != int(s[10]-'0') ||
			weightedSum(s, inn12Weights2)%11%10 != int(s[11]-'0') {
			return "inn_checksum"
		}
	case entityType == AccountCompany:
		return "inn_length_company"
	case entityType == AccountIndividual:
		return "inn_length_individual"
	default:
		return "inn_length"
	}
	return ""
}

// CheckKPP checks a Russian tax registration reason code: 4 digits of the
// tax office, 2 of the reason (digits or, since 2019, capital Latin
// letters) and 3 digits of the registration number. It has no check digit.
// Code: kpp_format.
func CheckKPP(s string) string {
	if len(s) != 9 || !asciiDigits(s[:4]) || !asciiAlnum(s[4:6]) || !asciiDigits(s[6:]) {
		return "kpp_format"
	}
	return ""
}

// CheckOGRN checks a Russian primary state registration number: 13 digits
// for a company (OGRN, the first 12 mod 11, last digit of that), 15 for a
// sole proprietor (OGRNIP, the first 14 mod 13, last digit of that).
// entityType works as in CheckINN. Codes: ogrn_digits, ogrn_length,
// ogrn_checksum.
func CheckOGRN(s, entityType string) string {
	if !asciiDigits(s) {
		return "ogrn_digits"
	}
	var mod uint64
	switch {
	case len(s) == 13 && entityType != AccountIndividual:
		mod = 11
	case len(s) == 15 && entityType != AccountCompany:
		mod = 13
	default:
		return "ogrn_length"
	}
	var n uint64 // at most 14 digits: fits easily
	for i := 0; i < len(s)-1; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	if n%mod%10 != uint64(s[len(s)-1]-'0') {
		return "ogrn_checksum"
	}
	return ""
}

// CheckBIK checks a Russian bank identification code: 9 digits starting
// with the country's code, 04 for banks, or 00 for the treasury offices
// that have had BIKs since 2021 (004525988 for Moscow). Code: bik_format.
func CheckBIK(s string) string {
	if len(s) != 9 || !asciiDigits(s) || (!strings.HasPrefix(s, "04") && !strings.HasPrefix(s, "00")) {
		return "bik_format"
	}
	return ""
}

var accountWeights = []int{7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1}

// CheckRussianAccount checks a 20-digit Russian account number and, when
// bik is a valid BIK, its control key (the 9th digit) by the Bank of
// Russia's rule (Порядок расчета контрольного ключа, 08.09.1997 N 515): the
// account is prefixed with the conditional number of where it is held, each
// of the 23 digits is weighted 7, 1, 3 in turn, and the sum must end in 0.
// That number is "0" and the BIK's 5th-6th digits for an account at the
// Bank of Russia, which holds every correspondent account and whose own BIKs
// end in 000, and the BIK's last three digits for an account at a bank.
// Accounts at treasury BIKs (starting 00 since 2021) are not keyed: the
// Treasury numbers them by its own scheme (03100643000000017300 at
// 004525988 fails both rules). A wrong key means a typo in the account or
// in the BIK. Codes: account_format, account_key.
func CheckRussianAccount(account, bik string, corr bool) string {
	if len(account) != 20 || !asciiDigits(account) {
		return "account_format"
	}
	if CheckBIK(bik) != "" {
		return ""
	}
	var prefix string
	switch {
	case corr || bik[6:9] == "000":
		prefix = "0" + bik[4:6]
	case strings.HasPrefix(bik, "04"):
		prefix = bik[6:9]
	default:
		return ""
	}
	if weightedSum(prefix+account, accountWeights)%10 != 0 {
		return "account_key"
	}
	return ""
}

// India.

// panHolders are the fourth letters of a PAN, by holder: P a person; C a
// company, F a firm or LLP, H a Hindu undivided family, A an association of
// persons, T a trust, B a body of individuals, L a local authority, J an
// artificial juridical person, G the government.
const panHolders = "PCFHATBLJG"

// CheckPAN checks an Indian permanent account number: 5 letters, of which
// the fourth tells the kind of holder, 4 digits and a letter. The last
// letter is a check character by an unpublished rule, so only the shape is
// checked. A sole proprietorship uses its owner's personal PAN, so
// "individual" asks for P and "company" for any other holder letter.
// Codes: pan_format, pan_entity.
func CheckPAN(s, entityType string) string {
	if len(s) != 10 || !asciiLetters(s[:5]) || !asciiDigits(s[5:9]) || !asciiLetters(s[9:]) ||
		!strings.ContainsRune(panHolders, rune(s[3])) {
		return "pan_format"
	}
	switch {
	case entityType == AccountIndividual && s[3] != 'P', entityType == AccountCompany && s[3] == 'P':
		return "pan_entity"
	}
	return ""
}

const base36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// CheckGSTIN checks an Indian GST identification number: a 2-digit state
// code (01-38, 97 other territory, 99 centre jurisdiction), the holder's
// PAN, an entity number (1-9, then A-Z), "Z", and a check character by Luhn
// mod 36, which catches any single mistyped character. Codes: gstin_format,
// gstin_state, gstin_checksum.
func CheckGSTIN(s string) string {
	if len(s) != 15 || !asciiAlnum(s) || !asciiDigits(s[:2]) || CheckPAN(s[2:12], "") != "" ||
		s[12] == '0' || s[13] != 'Z' {
		return "gstin_format"
	}
	if st := int(s[0]-'0')*10 + int(s[1]-'0'); (st < 1 || st > 38) && st != 97 && st != 99 {
		return "gstin_state"
	}
	sum := 0
	for i := 0; i < 14; i++ {
		v := strings.IndexByte(base36, s[i]) * (1 + i%2)
		sum += v/36 + v%36
	}
	if base36[(36-sum%36)%36] != s[14] {
		return "gstin_checksum"
	}
	return ""
}

// CheckIFSC checks an Indian financial system code: 4 letters of the bank,
// a zero reserved for future use, and 6 letters or digits of the branch.
// Code: ifsc_format.
func CheckIFSC(s string) string {
	if len(s) != 11 || !asciiLetters(s[:4]) || s[4] != '0' || !asciiAlnum(s[5:]) {
		return "ifsc_format"
	}
	return ""
}

// CheckBankAccountIN checks an Indian bank account number: 9 to 18 digits,
// which is all banks there have in common. Code: bank_account_format.
func CheckBankAccountIN(s string) string {
	if len(s) < 9 || len(s) > 18 || !asciiDigits(s) {
		return "bank_account_format"
	}
	return ""
}

// Elsewhere.

// ibanLengths are the IBAN lengths by country, from SWIFT's IBAN Registry
// (ISO 13616). Territories that use another country's IBAN (Jersey uses GB,
// Réunion FR) need no entry of their own: the IBAN carries its country.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
	"BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
	"DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
	"GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
	"IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
	"LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
	"MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// CheckIBAN checks an international bank account number (ISO 13616): a
// country that uses IBANs, that country's length, and the ISO 7064 mod-97
// check digits, which catch any one mistyped digit and most swaps.
// s must be normalised (no spaces, upper case). Codes: iban_country,
// iban_format, iban_length, iban_checksum.
func CheckIBAN(s string) string {
	if len(s) < 2 {
		return "iban_country"
	}
	want, ok := ibanLengths[s[:2]]
	if !ok {
		return "iban_country"
	}
	if len(s) < 4 || !asciiDigits(s[2:4]) || !asciiAlnum(s) {
		return "iban_format"
	}
	if len(s) != want {
		return "iban_length"
	}
	// 00, 01 and 99 pass mod 97 like 97, 98 and 02 do, but are never issued.
	if cd := s[2:4]; cd == "00" || cd == "01" || cd == "99" {
		return "iban_checksum"
	}
	mod := 0
	for _, c := range []byte(s[4:] + s[:4]) {
		if c <= '9' {
			mod = (mod*10 + int(c-'0')) % 97
		} else {
			mod = (mod*100 + int(c-'A'+10)) % 97
		}
	}
	if mod != 1 {
		return "iban_checksum"
	}
	return ""
}

// CheckSWIFT checks a business identifier code (SWIFT/BIC, ISO 9362): 4
// letters of the institution, its country, 2 letters or digits of the
// location, and optionally 3 of the branch ("XXX" for the head office). BICs
// have no check digit. Code: swift_format.
func CheckSWIFT(s string) string {
	if (len(s) != 8 && len(s) != 11) || !asciiLetters(s[:4]) || !isCountryCode(s[4:6]) || !asciiAlnum(s[6:]) {
		return "swift_format"
	}
	return ""
}

// CheckVAT checks a VAT or other tax number loosely: formats differ by
// country and many are not published, so it accepts 4 to 20 Latin letters,
// digits, spaces, dots and dashes, which every format we know fits. Code:
// vat_format.
func CheckVAT(s string) string {
	if len(s) < 4 || len(s) > 20 {
		return "vat_format"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == ' ' || c == '.' || c == '-') {
			return "vat_format"
		}
	}
	return ""
}
