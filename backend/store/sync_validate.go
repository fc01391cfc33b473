package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gatehouse/backend"
)

// checkPushed runs a record a device pushed, as it stands after the push,
// through the rules its form enforces. Desktops run the same code, so a
// record that fails was not written by Gatehouse's screens (an old build,
// or a device someone else controls): the server refuses the change rather
// than pass the record on to every other desktop. It returns what is
// wrong, or "" when the record passes or is gone.
func (tx *Tx) checkPushed(entity, id string) (string, error) {
	switch entity {
	case "user":
		return tx.checkUser(id)
	case "account":
		return tx.checkAccount(id)
	case "membership":
		return tx.checkMembership(id)
	case "kyc_case":
		var state string
		err := tx.QueryRow(`SELECT state FROM kyc_cases WHERE id = ?`, id).Scan(&state)
		if err != nil {
			return "", noRow(err)
		}
		if !contains([]string{backend.KYCDraft, backend.KYCSubmitted, backend.KYCInReview, backend.KYCChangesRequested,
			backend.KYCApproved, backend.KYCRejected}, state) {
			return fmt.Sprintf("KYC case %s: unknown state %q", id, state), nil
		}
	case "kyc_document":
		var status, reason string
		err := tx.QueryRow(`SELECT status, reason FROM kyc_documents WHERE id = ?`, id).Scan(&status, &reason)
		if err != nil {
			return "", noRow(err)
		}
		if !contains([]string{backend.DocPending, backend.DocApproved, backend.DocRejected}, status) {
			return fmt.Sprintf("KYC document %s: unknown status %q", id, status), nil
		}
		if msg := clean("KYC document "+id, "reason", reason, 500, false); msg != "" {
			return msg, nil
		}
	}
	return "", nil
}

// noRow turns "the record is gone" (deleted by the push) into a pass.
func noRow(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// clean says what is wrong with a text field, or "": it must be what
// backend.CleanText makes of it (the form's own cleaning), within max.
func clean(record, field, v string, max int, required bool) string {
	var f backend.Fields
	if c := backend.CleanText(&f, field, v, max, required); len(f) > 0 {
		return fieldProblem(record, f)
	} else if c != v {
		return fmt.Sprintf("%s: %s is not in the form the app writes (spaces, Unicode form)", record, field)
	}
	return ""
}

func fieldProblem(record string, f backend.Fields) string {
	return record + ": " + fieldList(f)
}

func fieldList(f backend.Fields) string {
	parts := make([]string, len(f))
	for i, e := range f {
		parts[i] = e.Field + ": " + e.Message
	}
	return strings.Join(parts, "; ")
}

func (tx *Tx) checkUser(id string) (string, error) {
	var name, email, phone, tz, role string
	err := tx.QueryRow(`SELECT name, email, phone, time_zone, role FROM users WHERE id = ?`, id).Scan(&name, &email, &phone, &tz, &role)
	if err != nil {
		return "", noRow(err)
	}
	record := "user " + id
	if msg := clean(record, "name", name, 128, true); msg != "" {
		return msg, nil
	}
	var f backend.Fields
	if backend.NormalizeEmail(&f, "email", email) != email || len(f) > 0 {
		return fmt.Sprintf("%s: email %q is not a valid address in canonical form", record, email), nil
	}
	// Invited employees have no phone until they sign in.
	if phone != "" && (backend.NormalizePhone(&f, "phone", phone, "") != phone || len(f) > 0) {
		return fmt.Sprintf("%s: phone %q is not a valid number in international form", record, phone), nil
	}
	if backend.ValidTimeZone(&f, "time_zone", tz) != tz || len(f) > 0 {
		return fmt.Sprintf("%s: unknown time zone %q", record, tz), nil
	}
	if !slices.Contains(backend.Roles, backend.Role(role)) {
		return fmt.Sprintf("%s: unknown role %q", record, role), nil
	}
	return "", nil
}

func (tx *Tx) checkAccount(id string) (string, error) {
	r, err := scanAccount(tx.QueryRow(`SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return "", noRow(err)
	}
	if p := accountProblem(&r.acct); p != "" {
		return "account " + id + ": " + p, nil
	}
	return "", nil
}

// accountProblem says what breaks the account forms' rules, or "".
func accountProblem(a *backend.Account) string {
	d, err := checkDetails(a.Details, "")
	var e *backend.Error
	if errors.As(err, &e) {
		return fieldList(e.Fields)
	} else if err != nil {
		return err.Error()
	}
	if d != a.Details {
		return "details are not in the form the app writes"
	}
	if _, err := checkProfile(a.Profile, d.Type, ""); errors.As(err, &e) {
		return "profile " + fieldList(e.Fields)
	} else if err != nil {
		return err.Error()
	}
	return ""
}

func (tx *Tx) checkMembership(id string) (string, error) {
	parts := strings.SplitN(id, "/", 2)
	if len(parts) != 2 {
		return "", nil
	}
	var role, status string
	var maxDialogs sql.NullInt64
	err := tx.QueryRow(`SELECT role, status, max_dialogs FROM memberships WHERE account_id = ? AND user_id = ?`, parts[0], parts[1]).
		Scan(&role, &status, &maxDialogs)
	if err != nil {
		return "", noRow(err)
	}
	record := "membership " + id
	switch {
	case role != backend.MemberAdministrator && role != backend.MemberOperator:
		return fmt.Sprintf("%s: unknown role %q", record, role), nil
	case !contains([]string{backend.MemberInvited, backend.MemberActive, backend.MemberDeactivated}, status):
		return fmt.Sprintf("%s: unknown status %q", record, status), nil
	case maxDialogs.Valid && (maxDialogs.Int64 < 1 || maxDialogs.Int64 > backend.MaxMaxDialogs):
		return fmt.Sprintf("%s: max dialogs %d is outside 1 to %d", record, maxDialogs.Int64, backend.MaxMaxDialogs), nil
	}
	return "", nil
}
