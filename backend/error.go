package backend

import (
	"errors"
	"fmt"
)

// Error codes are a stable list: they cross the Wails boundary, the HTTP API
// and (later) the sync protocol, so clients can branch on them. Never rename.
const (
	EINVALID      = "invalid"      // input refused; Fields says why, per field
	ECONFLICT     = "conflict"     // the write clashes with existing state
	ENOTFOUND     = "not_found"    // no such thing (or not visible to the caller)
	EUNAUTHORIZED = "unauthorized" // not signed in, or the session ended
	EFORBIDDEN    = "forbidden"    // signed in, but the role may not do this
	ERATELIMITED  = "rate_limited" // too many attempts; RetryAfter says when to retry
	EINTERNAL     = "internal"     // anything else; details are logged, not shown
)

// FieldError is one reason a field was refused. Code doubles as the UI's
// i18n key (errors.<code>); Message is the English text shown when the UI
// has no translation.
type FieldError struct {
	Field   string         `json:"field"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

// Error is an error the user is meant to see. Anything that is not an *Error
// is internal: it is logged and shown as "Internal error.".
type Error struct {
	Code       string       `json:"code"`
	Message    string       `json:"message"`
	Key        string       `json:"key,omitempty"` // i18n key of Message
	Fields     []FieldError `json:"fields,omitempty"`
	RetryAfter int          `json:"retryAfterSeconds,omitempty"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("gatehouse error: code=%s message=%s", e.Code, e.Message)
	}
	return fmt.Sprintf("gatehouse error: code=%s message=%s fields=%v", e.Code, e.Message, e.Fields)
}

// Errorf returns an application error with a code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Keyed returns an application error whose message has an i18n key.
func Keyed(code, key, message string) *Error {
	return &Error{Code: code, Key: key, Message: message}
}

// ErrorCode returns the code of an application error, EINTERNAL otherwise.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Public turns any error into what a client may see: application errors as
// they are, everything else as a generic internal error.
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Keyed(EINTERNAL, "errors.internal", "Internal error.")
}

// Fields collects field errors while a form is validated.
type Fields []FieldError

// Add records that field fails with code; params fill the message's
// {{placeholders}} and are passed on to the UI for its translation.
func (f *Fields) Add(field, code string, params map[string]any) {
	msg := fieldMessages[code]
	if msg == "" {
		msg = "This value is not valid."
	}
	for k, v := range params {
		msg = replaceAll(msg, "{{"+k+"}}", fmt.Sprint(v))
	}
	*f = append(*f, FieldError{Field: field, Code: code, Message: msg, Params: params})
}

// Has reports whether field already has an error, so that one field gets
// its most basic complaint first ("required" rather than "too short").
func (f Fields) Has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when there are no field errors, an EINVALID error otherwise.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Key: "errors.form", Message: "Please correct the highlighted fields.", Fields: f}
}

// fieldMessages are the English texts of the field error codes.
var fieldMessages = map[string]string{
	"required":                   "This field is required.",
	"too_long":                   "Use at most {{max}} characters.",
	"invisible_chars":            "Remove invisible or text-direction characters.",
	"email_invalid":              "Enter an email address like name@example.com.",
	"email_mixed_script":         "The address mixes alphabets that look alike (for example Latin and Cyrillic letters).",
	"email_local_ascii":          "Use Latin letters, digits and . _ % + - before the @.",
	"password_too_short":         "Use at least {{min}} characters.",
	"password_too_long":          "Use at most {{max}} characters.",
	"password_no_upper":          "Add an uppercase letter.",
	"password_no_lower":          "Add a lowercase letter.",
	"password_no_digit":          "Add a digit.",
	"password_no_special":        "Add a special character such as ! ? # or %.",
	"password_common":            "This password is too common. Choose one that is harder to guess.",
	"password_repetitive":        "Avoid repeated or consecutive characters such as aaaa or 1234.",
	"password_contains_personal": "Do not use your name or email address in the password.",
	"password_mismatch":          "The passwords do not match.",
	"phone_invalid":              "Enter a valid phone number with its country code, for example +7 912 345-67-89.",
	"timezone_invalid":           "Choose a time zone from the list.",
	"consent_required":           "You must accept this to register.",
	"code_format":                "Enter the 6-digit code.",
	"code_invalid":               "The code is wrong or has expired. After 5 wrong tries, ask for a new code.",
	"policy_invalid":             "Choose one of the offered policies.",
	"role_invalid":               "Choose one of the offered roles.",
	"user_not_found":             "No user has this email address.",
	"own_role":                   "You cannot change your own role.",
	"email_taken":                "A user with this email address already exists.",
	"phone_not_verified":         "Verify this phone number with the code first.",
	"phone_type_invalid":         "Choose mobile or landline.",
	"account_type_invalid":       "Choose individual or company.",
	"sector_invalid":             "Choose a sector from the list.",
	"max_dialogs_range":          "Enter a whole number from 1 to 10,000.",
	"status_invalid":             "Choose a status from the list.",
	"last_administrator":         "An account needs at least one active administrator.",
	"country_invalid":            "Choose a country from the list.",
	"postcode_format":            "Enter the postcode as it is written there, for example {{example}}.",
	"postcode_chars":             "A postcode has 2 to 10 letters and digits, with spaces or hyphens inside.",
	"inn_digits":                 "An INN contains digits only.",
	"inn_length":                 "An INN has 10 digits for a company or 12 for a sole proprietor.",
	"inn_length_company":         "A company's INN has 10 digits.",
	"inn_length_individual":      "An individual's INN has 12 digits.",
	"inn_checksum":               "The INN's check digit is wrong: check for a typo.",
	"kpp_format":                 "A KPP has 9 characters: 4 digits, 2 digits or capital Latin letters, and 3 digits.",
	"ogrn_digits":                "An OGRN contains digits only.",
	"ogrn_length":                "An OGRN has 13 digits for a company; a sole proprietor's OGRNIP has 15.",
	"ogrn_checksum":              "The OGRN's check digit is wrong: check for a typo.",
	"bik_format":                 "A BIK has 9 digits and starts with 04 (00 for a treasury office).",
	"account_format":             "An account number has 20 digits.",
	"account_key":                "The account's control key does not match the bank's BIK.",
	"gstin_format":               "A GSTIN has 15 characters: a 2-digit state code, the PAN, an entity number, the letter Z and a check character.",
	"gstin_state":                "The GSTIN's first two digits are not an Indian state code.",
	"gstin_checksum":             "The GSTIN's check character is wrong: check for a typo.",
	"gstin_pan_mismatch":         "The PAN inside the GSTIN (characters 3 to 12) differs from the PAN.",
	"pan_format":                 "A PAN has 10 characters: 5 letters, 4 digits and a letter, like AAAPL1234C.",
	"pan_entity":                 "The PAN's fourth letter does not match the account type.",
	"ifsc_format":                "An IFSC has 11 characters: 4 letters, a zero and 6 letters or digits, like SBIN0000001.",
	"bank_account_format":        "An Indian bank account number has 9 to 18 digits.",
	"iban_country":               "An IBAN starts with the code of a country that uses IBANs, like DE or GB.",
	"iban_format":                "An IBAN has only Latin letters and digits, with two check digits after the country code.",
	"iban_length":                "A {{country}} IBAN has {{length}} characters.",
	"iban_checksum":              "The IBAN's check digits are wrong: check for a typo.",
	"swift_format":               "A SWIFT (BIC) code has 8 or 11 characters: 4 letters for the bank, 2 for the country, 2 letters or digits for the location and optionally 3 for the branch.",
	"entity_type_invalid":        "Choose an entity type from the list.",
	"document_kind_invalid":      "Choose a document from the list for this entity type.",
	"too_many_files":             "Attach at most {{max}} files to one document.",
	"kyc_incomplete":             "Upload every required document first. Missing: {{missing}}.",
	"batch_size":                 "Choose from 1 to {{max}} accounts.",
	"import_duplicate_email":     "This email is already on line {{line}} of the file.",
	"month_invalid":              "Choose a month.",
	"import_not_spreadsheet":     "This file is not an Excel workbook (.xlsx) or a CSV file.",
	"import_encrypted":           "This workbook is password-protected. Save it without a password and try again.",
	"import_xls":                 "This is an old Excel 97-2003 workbook (.xls). Save it as .xlsx or \"CSV UTF-8\" and try again.",
	"import_csv_encoding":        "This CSV file is not UTF-8 text. In Excel, save it as \"CSV UTF-8\".",
	"import_csv_malformed":       "Line {{line}} of the file is not valid CSV: check its quotes.",
	"import_too_large":           "The file is too large to import (over {{maxMB}} MB). Split it into smaller files.",
	"import_missing_header":      "The first row has no \"{{header}}\" column. Use the column names of an exported file: Name, Email, Phone, Role, Max dialogs.",
	"import_duplicate_header":    "The first row has more than one \"{{header}}\" column.",
	"import_formula":             "Cell {{cell}} holds a formula or starts like one (=, +, -, @). Replace it with a plain value.",
	"import_too_many_rows":       "The file has more than {{max}} employees. Split it into smaller files.",
	"import_empty":               "The file has no employees below its column names.",
	"file_empty":                 "{{name}} is empty.",
	"file_type":                  "{{name}} is not a PDF, JPEG, PNG or HEIC file.",
	"file_type_mismatch":         "{{name}} is named as {{claimed}} but contains {{actual}}.",
	"file_too_large":             "{{name}} is larger than {{maxMB}} MB.",
	"file_encrypted":             "{{name}} is password-protected. Upload it without the password.",
	"file_corrupt":               "{{name}} cannot be opened as an image: it is damaged or incomplete.",
	"vat_format":                 "A VAT number has 4 to 20 Latin letters, digits, spaces, dots or dashes.",
	"server_url_invalid":         "Enter the server's address, starting with https:// (or http:// on a local network).",
	"captcha_required":           "Your browser has to pass a quick automatic check first. Please try again.",
	"captcha_invalid":            "The automatic browser check failed. Please try again.",
	"captcha_expired":            "The automatic browser check expired or was already used. Please try again.",
}
