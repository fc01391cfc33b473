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
	"password_contains_personal": "Do not use your name or email address in the password.",
	"password_mismatch":          "The passwords do not match.",
	"phone_invalid":              "Enter a valid phone number with its country code, for example +7 912 345-67-89.",
	"timezone_invalid":           "Choose a time zone from the list.",
	"consent_required":           "You must accept this to register.",
	"code_format":                "Enter the 6-digit code.",
	"code_invalid":               "The code is wrong or has expired. After 5 wrong tries, ask for a new code.",
	"policy_invalid":             "Choose one of the offered policies.",
}
