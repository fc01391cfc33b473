package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gatehouse/backend"
)

// putMember inserts or replaces a membership and logs the change.
func (tx *Tx) putMember(accountID, userID, role, status string, maxDialogs *int) error {
	if _, err := tx.Exec(`INSERT INTO memberships (account_id, user_id, role, status, max_dialogs, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, user_id) DO UPDATE SET role = excluded.role,
		status = excluded.status, max_dialogs = excluded.max_dialogs, updated_at = excluded.updated_at`,
		accountID, userID, role, status, maxDialogs, ms(tx.now), ms(tx.now)); err != nil {
		return err
	}
	return tx.appendChange("membership", accountID+"/"+userID, "upsert",
		map[string]any{"accountId": accountID, "userId": userID, "role": role, "status": status, "maxDialogs": maxDialogs})
}

const employeeSelect = `SELECT u.id, u.name, u.email, u.phone, m.role, m.status, m.max_dialogs
	FROM memberships m JOIN users u ON u.id = m.user_id`

func scanEmployee(row scanner) (*backend.Employee, error) {
	var e backend.Employee
	var max sql.NullInt64
	if err := row.Scan(&e.UserID, &e.Name, &e.Email, &e.Phone, &e.Role, &e.Status, &max); err != nil {
		return nil, err
	}
	if max.Valid {
		v := int(max.Int64)
		e.MaxDialogs = &v
	}
	return &e, nil
}

// FindEmployees lists an account's employees, filtered by name or email.
func (s *AccountService) FindEmployees(ctx context.Context, accountID, query string) ([]backend.Employee, error) {
	if _, err := s.load(ctx, s.db.read, accountID, false); err != nil {
		return nil, err
	}
	// Employee lists are short: filtering in Go folds case in every
	// alphabet, which SQLite's lower() does only for ASCII.
	rows, err := s.db.read.QueryContext(ctx, employeeSelect+` WHERE m.account_id = ? ORDER BY u.name, u.email`, accountID)
	if err != nil {
		return nil, fmt.Errorf("find employees: %w", err)
	}
	defer rows.Close()
	query = strings.ToLower(strings.TrimSpace(query))
	out := []backend.Employee{}
	for rows.Next() {
		e, err := scanEmployee(rows)
		if err != nil {
			return nil, fmt.Errorf("find employees: %w", err)
		}
		if query == "" || strings.Contains(strings.ToLower(e.Name), query) || strings.Contains(e.Email, query) {
			out = append(out, *e)
		}
	}
	return out, rows.Err()
}

func checkMemberRole(f *backend.Fields, field, role string) {
	if role != backend.MemberAdministrator && role != backend.MemberOperator {
		f.Add(field, "role_invalid", nil)
	}
}

// InviteEmployee registers a person on an account ("Register new user"):
// a user without a password and an invitation email with a single-use link
// to set one. Returns EINVALID with email "email_taken" if the address
// already has a user.
func (s *AccountService) InviteEmployee(ctx context.Context, in backend.EmployeeInput) (*backend.Employee, error) {
	var f backend.Fields
	name := backend.CleanText(&f, "name", in.Name, 128, true)
	email := backend.NormalizeEmail(&f, "email", in.Email)
	phone := backend.NormalizePhone(&f, "phone", in.Phone, s.opts.DefaultRegion)
	if in.Role == "" {
		in.Role = backend.MemberOperator // least rights unless asked
	}
	checkMemberRole(&f, "role", in.Role)
	if err := f.Err(); err != nil {
		// Report the role check before loading, but never before the
		// permission check: a stranger learns nothing from field errors
		// about an account that is not theirs.
		if _, lerr := s.load(ctx, s.db.read, in.AccountID, true); lerr != nil {
			return nil, lerr
		}
		return nil, err
	}
	var out *backend.Employee
	err := s.db.update(ctx, func(tx *Tx) error {
		r, err := s.load(ctx, tx, in.AccountID, true)
		if err != nil {
			return err
		}
		id, err := s.invite(ctx, tx, r, name, email, phone, in.Role, nil)
		if err != nil {
			return err
		}
		out, err = scanEmployee(tx.QueryRow(employeeSelect+` WHERE m.account_id = ? AND m.user_id = ?`, r.acct.ID, id))
		return err
	})
	if err != nil {
		return nil, wrapUnlessApp("invite employee", err)
	}
	return out, nil
}

// invite adds an employee to an account inside a transaction: a user
// without a password, an invited membership, and the invitation email.
// Returns EINVALID (email "email_taken") for an address that has a user.
func (s *AccountService) invite(ctx context.Context, tx *Tx, r *accountRow, name, email, phone, role string, maxDialogs *int) (string, error) {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE email = ?`, email).Scan(&n); err != nil {
		return "", err
	} else if n > 0 {
		var f backend.Fields
		f.Add("email", "email_taken", nil)
		return "", f.Err()
	}
	tz := r.acct.Profile.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	id := newID()
	if _, err := tx.Exec(`INSERT INTO users (id, name, email, phone, time_zone, role, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)`, id, name, email, phone, tz, backend.RoleCustomer, ms(tx.now), ms(tx.now)); err != nil {
		return "", err
	}
	u := &backend.User{ID: id, Name: name, Email: email, Phone: phone, TimeZone: tz, Role: backend.RoleCustomer, CreatedAt: tx.now}
	if err := tx.appendChange("user", id, "upsert", userChange(u, "", tx.now)); err != nil {
		return "", err
	}
	if err := tx.putMember(r.acct.ID, id, role, backend.MemberInvited, maxDialogs); err != nil {
		return "", err
	}
	token, err := tx.newLink(id, purposeInvite, InviteLinkTTL)
	if err != nil {
		return "", err
	}
	inviter := "Gatehouse"
	if u := backend.UserFromContext(ctx); u != nil {
		inviter = u.Name
	}
	body := fmt.Sprintf("Hello %s,\n\n%s invited you to manage %s on Gatehouse.\n\nTo accept, choose your password here:\n\n%s\n\n"+
		"The link works once, for 7 days. Then sign in with this email address.\n\n-- Gatehouse\n",
		name, inviter, displayName(r.acct.Details), s.users.link("/invite", token))
	if err := tx.enqueue(backend.ChannelEmail, email, "You are invited to Gatehouse", body); err != nil {
		return "", err
	}
	return id, nil
}

// UpdateEmployee changes an employee's role, own dialog limit or access.
// An account always keeps at least one active administrator.
func (s *AccountService) UpdateEmployee(ctx context.Context, upd backend.EmployeeUpdate) (*backend.Employee, error) {
	var out *backend.Employee
	err := s.db.update(ctx, func(tx *Tx) error {
		r, err := s.load(ctx, tx, upd.AccountID, true)
		if err != nil {
			return err
		}
		e, err := scanEmployee(tx.QueryRow(employeeSelect+` WHERE m.account_id = ? AND m.user_id = ?`, r.acct.ID, upd.UserID))
		if errors.Is(err, sql.ErrNoRows) {
			return backend.Keyed(backend.ENOTFOUND, "errors.employee_not_found", "No such employee on this account.")
		} else if err != nil {
			return err
		}
		var f backend.Fields
		if upd.Role != nil {
			checkMemberRole(&f, "role", *upd.Role)
			e.Role = *upd.Role
		}
		switch {
		case upd.ClearMaxDialogs:
			e.MaxDialogs = nil
		case upd.MaxDialogs != nil:
			if *upd.MaxDialogs < 1 || *upd.MaxDialogs > backend.MaxMaxDialogs {
				f.Add("maxDialogs", "max_dialogs_range", map[string]any{"max": backend.MaxMaxDialogs})
			}
			e.MaxDialogs = upd.MaxDialogs
		}
		if upd.Active != nil {
			switch {
			case !*upd.Active:
				e.Status = backend.MemberDeactivated
			case e.Status == backend.MemberDeactivated:
				e.Status = backend.MemberActive
				var hash string
				if err := tx.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, e.UserID).Scan(&hash); err != nil {
					return err
				} else if hash == "" {
					e.Status = backend.MemberInvited
				}
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if e.Role != backend.MemberAdministrator || e.Status != backend.MemberActive {
			var admins int
			if err := tx.QueryRow(`SELECT count(*) FROM memberships WHERE account_id = ? AND user_id != ? AND role = ? AND status = ?`,
				r.acct.ID, e.UserID, backend.MemberAdministrator, backend.MemberActive).Scan(&admins); err != nil {
				return err
			}
			var wasAdmin int
			tx.QueryRow(`SELECT count(*) FROM memberships WHERE account_id = ? AND user_id = ? AND role = ? AND status = ?`,
				r.acct.ID, e.UserID, backend.MemberAdministrator, backend.MemberActive).Scan(&wasAdmin)
			if wasAdmin > 0 && admins == 0 {
				var f backend.Fields
				f.Add("role", "last_administrator", nil)
				return f.Err()
			}
		}
		if err := tx.putMember(r.acct.ID, e.UserID, e.Role, e.Status, e.MaxDialogs); err != nil {
			return err
		}
		if e.Status == backend.MemberDeactivated {
			// Their open sessions end with their access.
			if _, err := tx.Exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, ms(tx.now), e.UserID); err != nil {
				return err
			}
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, wrapUnlessApp("update employee", err)
	}
	return out, nil
}

// AcceptInvitation sets an invited employee's password through the emailed
// link; following it also proves the email address.
func (s *AccountService) AcceptInvitation(ctx context.Context, in backend.AcceptInvitationInput) error {
	policy, err := s.users.policy(ctx)
	if err != nil {
		return err
	}
	u, err := s.users.peekLink(ctx, in.Token, purposeInvite)
	if err != nil {
		return wrapUnlessApp("accept invitation", err)
	}
	userID := u.ID
	var f backend.Fields
	checkNewPassword(&f, policy, in.Password, in.PasswordConfirm, u.Email, u.Name)
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := s.users.hasher.Hash(ctx, in.Password)
	if err != nil {
		return fmt.Errorf("accept invitation: %w", err)
	}
	return wrapUnlessApp("accept invitation", s.db.update(ctx, func(tx *Tx) error {
		if _, err := tx.useLink(in.Token, purposeInvite); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, ms(tx.now), userID); err != nil {
			return err
		}
		if err := tx.appendChange("user", userID, "upsert", map[string]any{"passwordHash": hash, "updatedAt": tx.now}); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT account_id, role, max_dialogs FROM memberships WHERE user_id = ? AND status = ?`, userID, backend.MemberInvited)
		if err != nil {
			return err
		}
		type m struct {
			account, role string
			max           *int
		}
		var ms []m
		for rows.Next() {
			var x m
			var max sql.NullInt64
			if err := rows.Scan(&x.account, &x.role, &max); err != nil {
				rows.Close()
				return err
			}
			if max.Valid {
				v := int(max.Int64)
				x.max = &v
			}
			ms = append(ms, x)
		}
		rows.Close()
		for _, x := range ms {
			if err := tx.putMember(x.account, userID, x.role, backend.MemberActive, x.max); err != nil {
				return err
			}
		}
		return tx.markEmailVerified(userID)
	}))
}
