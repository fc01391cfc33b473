package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
)

// KYCService implements backend.KYCService and backend.KYCIntake.
type KYCService struct {
	db        *DB
	accounts  *AccountService
	files     backend.FileStore
	catalogue backend.KYCCatalogue
}

var (
	_ backend.KYCService = (*KYCService)(nil)
	_ backend.KYCIntake  = (*KYCService)(nil)
)

// NewKYCService returns the KYC service over the database and the vault.
func NewKYCService(db *DB, accounts *AccountService, files backend.FileStore) *KYCService {
	return &KYCService{db: db, accounts: accounts, files: files, catalogue: backend.Catalogue()}
}

var (
	errCaseNotFound     = backend.Keyed(backend.ENOTFOUND, "errors.case_not_found", "No such KYC case.")
	errApprovedStays    = backend.Keyed(backend.ECONFLICT, "errors.approved_stays", "This document was approved: only rejected or missing documents can be changed now.")
	errCaseLocked       = backend.Keyed(backend.ECONFLICT, "errors.case_locked", "The case is with the reviewers: it cannot be changed now.")
	errDocumentNotFound = backend.Keyed(backend.ENOTFOUND, "errors.document_not_found", "No such document.")
)

// Catalogue returns the entity types and their documents.
func (s *KYCService) Catalogue(ctx context.Context) (backend.KYCCatalogue, error) {
	if _, err := backend.RequireUser(ctx); err != nil {
		return backend.KYCCatalogue{}, err
	}
	return s.catalogue, nil
}

type caseRow struct {
	id, reference, accountID, country, entityType, state string
	submittedAt, updatedAt                               sql.NullInt64
}

type querier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func (s *KYCService) caseBy(ctx context.Context, q querier, where string, arg any) (*caseRow, error) {
	var c caseRow
	err := q.QueryRowContext(ctx, `SELECT id, reference, account_id, country, entity_type, state, submitted_at, updated_at
		FROM kyc_cases WHERE `+where+` = ?`, arg).Scan(&c.id, &c.reference, &c.accountID, &c.country, &c.entityType, &c.state, &c.submittedAt, &c.updatedAt)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// canReview: reviewers and admins review, but never an account they belong
// to or onboarded themselves.
func canReview(ctx context.Context, q querier, u *backend.User, acct *accountRow) (bool, error) {
	if u.Role != backend.RoleReviewer && u.Role != backend.RoleAdmin {
		return false, nil
	}
	if acct.createdBy == u.ID {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM memberships WHERE account_id = ? AND user_id = ?`, acct.acct.ID, u.ID).Scan(&n)
	return n == 0, err
}

// build assembles the case as the UI shows it. c may be nil: an account
// that has no case yet shows an empty draft.
func (s *KYCService) build(ctx context.Context, q querier, acct *accountRow, c *caseRow) (*backend.KYCCase, error) {
	u := backend.UserFromContext(ctx)
	out := &backend.KYCCase{AccountID: acct.acct.ID, AccountName: displayName(acct.acct.Details), State: backend.KYCDraft,
		Country: s.accountCountry(acct), Documents: []backend.KYCDocument{}, History: []backend.KYCEvent{}, Missing: []string{}}
	if c != nil {
		out.ID, out.Reference, out.EntityType, out.State = c.id, c.reference, c.entityType, c.state
		// Until an entity type is chosen, the country is only a default:
		// it follows the account's details as they are filled in.
		if c.entityType != "" {
			out.Country = c.country
		}
		if c.submittedAt.Valid {
			out.SubmittedAt = time.UnixMilli(c.submittedAt.Int64).UTC()
		}
		if c.updatedAt.Valid {
			out.UpdatedAt = time.UnixMilli(c.updatedAt.Int64).UTC()
		}
		docs, err := s.documents(ctx, q, c.id)
		if err != nil {
			return nil, err
		}
		out.Documents = docs
		if out.History, err = s.history(ctx, q, c.id); err != nil {
			return nil, err
		}
	}
	if et, ok := s.catalogue.EntityType(out.Country, out.EntityType); ok {
		out.Missing = backend.KYCMissing(et, out.Documents)
	}
	editable := out.State == backend.KYCDraft || out.State == backend.KYCChangesRequested
	out.CanEdit = acct.acct.CanEdit && editable
	if u != nil {
		ok, err := canReview(ctx, q, u, acct)
		if err != nil {
			return nil, err
		}
		out.CanReview = ok && (out.State == backend.KYCSubmitted || out.State == backend.KYCInReview)
	}
	return out, nil
}

func (s *KYCService) documents(ctx context.Context, q querier, caseID string) ([]backend.KYCDocument, error) {
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.kind, d.requirement, d.status, d.reason, d.source, d.created_at,
		f.sha256, f.size, f.type, f.name FROM kyc_documents d JOIN kyc_files f ON f.document_id = d.id
		WHERE d.case_id = ? AND d.removed_at IS NULL ORDER BY d.created_at, d.id, f.position`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	docs := []backend.KYCDocument{}
	for rows.Next() {
		var d backend.KYCDocument
		var f backend.KYCFile
		var created int64
		if err := rows.Scan(&d.ID, &d.Kind, &d.Requirement, &d.Status, &d.Reason, &d.Source, &created, &f.SHA256, &f.Size, &f.Type, &f.Name); err != nil {
			return nil, err
		}
		if n := len(docs); n > 0 && docs[n-1].ID == d.ID {
			docs[n-1].Files = append(docs[n-1].Files, f)
			continue
		}
		d.CreatedAt = time.UnixMilli(created).UTC()
		d.Files = []backend.KYCFile{f}
		docs = append(docs, d)
	}
	return docs, rows.Err()
}

func (s *KYCService) history(ctx context.Context, q querier, caseID string) ([]backend.KYCEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, actor, action, kind, from_state, to_state, reason FROM kyc_events WHERE case_id = ? ORDER BY at, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []backend.KYCEvent{}
	for rows.Next() {
		var e backend.KYCEvent
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Kind, &e.From, &e.To, &e.Reason); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// FindCase returns an account's KYC case (an empty draft if none yet).
func (s *KYCService) FindCase(ctx context.Context, accountID string) (*backend.KYCCase, error) {
	acct, err := s.accounts.load(ctx, s.db.read, accountID, false)
	if err != nil {
		return nil, err
	}
	c, err := s.caseBy(ctx, s.db.read, "account_id", accountID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find case: %w", err)
	}
	return s.build(ctx, s.db.read, acct, c)
}

// kycEvent records a step of a case's history and logs the change. kind
// is the kind of document the step is about, if it is about one.
func (tx *Tx) kycEvent(caseID, actor, action, kind, from, to, reason string) error {
	id := newID()
	if _, err := tx.Exec(`INSERT INTO kyc_events (id, case_id, at, actor, action, kind, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, caseID, ms(tx.now), actor, action, kind, from, to, reason); err != nil {
		return err
	}
	return tx.appendChange("kyc_event", id, "upsert", map[string]any{"caseId": caseID, "actor": actor, "action": action, "kind": kind,
		"from": from, "to": to, "reason": reason})
}

// accountCountry is where a new case starts: the account's country, else
// the installation's region.
func (s *KYCService) accountCountry(acct *accountRow) string {
	return backend.CaseCountry(acct.acct, s.accounts.opts.DefaultRegion)
}

func actorName(ctx context.Context) string {
	if u := backend.UserFromContext(ctx); u != nil {
		return u.Name
	}
	return "email"
}

// ensureCase returns the account's case, creating a draft.
func (s *KYCService) ensureCase(ctx context.Context, tx *Tx, acct *accountRow) (*caseRow, error) {
	c, err := s.caseBy(ctx, tx, "account_id", acct.acct.ID)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return c, err
	}
	c = &caseRow{id: newID(), reference: newReference(), accountID: acct.acct.ID, country: s.accountCountry(acct), state: backend.KYCDraft}
	if _, err := tx.Exec(`INSERT INTO kyc_cases (id, reference, account_id, country, entity_type, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, '', ?, ?, ?)`, c.id, c.reference, c.accountID, c.country, c.state, ms(tx.now), ms(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.appendChange("kyc_case", c.id, "upsert", nil); err != nil {
		return nil, err
	}
	return c, tx.kycEvent(c.id, actorName(ctx), "created", "", "", backend.KYCDraft, "")
}

// newReference is a short case reference people can type in a subject.
func newReference() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "KYC-" + string(b)
}

// editCase runs fn on an account's case in a write transaction, checking
// that the user may edit the account and that the case is editable.
func (s *KYCService) editCase(ctx context.Context, accountID string, fn func(tx *Tx, acct *accountRow, c *caseRow) error) (*backend.KYCCase, error) {
	err := s.db.update(ctx, func(tx *Tx) error {
		acct, err := s.accounts.load(ctx, tx, accountID, true)
		if err != nil {
			return err
		}
		c, err := s.ensureCase(ctx, tx, acct)
		if err != nil {
			return err
		}
		if c.state != backend.KYCDraft && c.state != backend.KYCChangesRequested {
			return errCaseLocked
		}
		if err := fn(tx, acct, c); err != nil {
			return err
		}
		if _, err = tx.Exec(`UPDATE kyc_cases SET updated_at = ? WHERE id = ?`, ms(tx.now), c.id); err != nil {
			return err
		}
		return tx.appendChange("kyc_case", c.id, "upsert", nil)
	})
	if err != nil {
		return nil, wrapUnlessApp("kyc", err)
	}
	return s.FindCase(ctx, accountID)
}

// SetEntityType chooses the account's legal form; documents of kinds the
// new form does not list are set aside.
func (s *KYCService) SetEntityType(ctx context.Context, accountID, country, entityType string) (*backend.KYCCase, error) {
	et, ok := s.catalogue.EntityType(country, entityType)
	if !ok {
		var f backend.Fields
		f.Add("entityType", "entity_type_invalid", nil)
		return nil, f.Err()
	}
	return s.editCase(ctx, accountID, func(tx *Tx, acct *accountRow, c *caseRow) error {
		if c.country == country && c.entityType == entityType {
			return nil
		}
		if _, err := tx.Exec(`UPDATE kyc_cases SET country = ?, entity_type = ? WHERE id = ?`, country, entityType, c.id); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id, kind FROM kyc_documents WHERE case_id = ? AND removed_at IS NULL AND kind != ''`, c.id)
		if err != nil {
			return err
		}
		var drop []string
		for rows.Next() {
			var id, kind string
			rows.Scan(&id, &kind)
			if _, ok := et.Requirement(kind); !ok {
				drop = append(drop, id)
			}
		}
		rows.Close()
		for _, id := range drop {
			if _, err := tx.Exec(`UPDATE kyc_documents SET removed_at = ? WHERE id = ?`, ms(tx.now), id); err != nil {
				return err
			}
			if err := tx.appendChange("kyc_document", id, "delete", nil); err != nil {
				return err
			}
		}
		if err := tx.appendChange("kyc_case", c.id, "upsert", map[string]any{"accountId": accountID, "country": country, "entityType": entityType}); err != nil {
			return err
		}
		return tx.kycEvent(c.id, actorName(ctx), "entity_type", "", c.state, c.state, entityType)
	})
}

// putFiles stores uploads in the vault before any row refers to them: a
// crash in between leaves an unreferenced file, never a row without one.
func (s *KYCService) putFiles(files []backend.UploadFile) ([]backend.KYCFile, error) {
	if len(files) == 0 {
		var f backend.Fields
		f.Add("files", "required", nil)
		return nil, f.Err()
	}
	if len(files) > 4 {
		var f backend.Fields
		f.Add("files", "too_many_files", map[string]any{"max": 4})
		return nil, f.Err()
	}
	out := make([]backend.KYCFile, 0, len(files))
	for _, up := range files {
		kf, err := s.files.Put(up.Body, up.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, kf)
	}
	return out, nil
}

func (tx *Tx) insertDocument(caseID, kind, requirement, source, messageID string, files []backend.KYCFile) (string, error) {
	id := newID()
	if _, err := tx.Exec(`INSERT INTO kyc_documents (id, case_id, kind, requirement, status, source, message_id, created_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`, id, caseID, kind, requirement, source, messageID, ms(tx.now)); err != nil {
		return "", err
	}
	for i, f := range files {
		if _, err := tx.Exec(`INSERT INTO kyc_files (document_id, position, sha256, size, type, name) VALUES (?, ?, ?, ?, ?, ?)`,
			id, i, f.SHA256, f.Size, f.Type, f.Name); err != nil {
			return "", err
		}
	}
	return id, tx.appendChange("kyc_document", id, "upsert", map[string]any{"caseId": caseID, "kind": kind, "requirement": requirement,
		"source": source, "files": files})
}

// AddDocument uploads one document of a kind. It replaces the previous
// document of the same kind, and a rejected one of the same requirement.
func (s *KYCService) AddDocument(ctx context.Context, accountID, kind string, files []backend.UploadFile) (*backend.KYCCase, error) {
	// Check the rights before reading a byte of the files.
	if _, err := s.accounts.load(ctx, s.db.read, accountID, true); err != nil {
		return nil, err
	}
	stored, err := s.putFiles(files)
	if err != nil {
		return nil, err
	}
	return s.editCase(ctx, accountID, func(tx *Tx, acct *accountRow, c *caseRow) error {
		et, ok := s.catalogue.EntityType(c.country, c.entityType)
		if !ok {
			var f backend.Fields
			f.Add("entityType", "required", nil)
			return f.Err()
		}
		req, ok := et.Requirement(kind)
		if !ok {
			var f backend.Fields
			f.Add("kind", "document_kind_invalid", nil)
			return f.Err()
		}
		if c.state == backend.KYCChangesRequested {
			// After a review the customer replaces only what was rejected.
			var approved int
			if err := tx.QueryRow(`SELECT count(*) FROM kyc_documents WHERE case_id = ? AND removed_at IS NULL AND requirement = ? AND status = 'approved'`,
				c.id, req.ID).Scan(&approved); err != nil {
				return err
			} else if approved > 0 {
				return errApprovedStays
			}
		}
		replaced, err := tx.removeDocuments(`case_id = ? AND removed_at IS NULL AND (kind = ? OR (requirement = ? AND status = 'rejected'))`,
			c.id, kind, req.ID)
		if err != nil {
			return err
		}
		if _, err := tx.insertDocument(c.id, kind, req.ID, "upload", "", stored); err != nil {
			return err
		}
		action := "document_added"
		if replaced > 0 {
			action = "document_replaced"
		}
		return tx.kycEvent(c.id, actorName(ctx), action, kind, c.state, c.state, "")
	})
}

// RemoveDocument sets a document aside (it stays in the history).
func (s *KYCService) RemoveDocument(ctx context.Context, accountID, documentID string) (*backend.KYCCase, error) {
	return s.editCase(ctx, accountID, func(tx *Tx, acct *accountRow, c *caseRow) error {
		var status, kind string
		err := tx.QueryRow(`SELECT status, kind FROM kyc_documents WHERE id = ? AND case_id = ? AND removed_at IS NULL`, documentID, c.id).Scan(&status, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			return errDocumentNotFound
		} else if err != nil {
			return err
		}
		if status == backend.DocApproved && c.state == backend.KYCChangesRequested {
			return errApprovedStays
		}
		if _, err := tx.Exec(`UPDATE kyc_documents SET removed_at = ? WHERE id = ?`, ms(tx.now), documentID); err != nil {
			return err
		}
		if err := tx.appendChange("kyc_document", documentID, "delete", nil); err != nil {
			return err
		}
		return tx.kycEvent(c.id, actorName(ctx), "document_removed", kind, c.state, c.state, "")
	})
}

// ClassifyDocument says what an emailed (or any) document is.
func (s *KYCService) ClassifyDocument(ctx context.Context, accountID, documentID, kind string) (*backend.KYCCase, error) {
	return s.editCase(ctx, accountID, func(tx *Tx, acct *accountRow, c *caseRow) error {
		et, _ := s.catalogue.EntityType(c.country, c.entityType)
		req, ok := et.Requirement(kind)
		if !ok {
			var f backend.Fields
			f.Add("kind", "document_kind_invalid", nil)
			return f.Err()
		}
		res, err := tx.Exec(`UPDATE kyc_documents SET kind = ?, requirement = ?, status = 'pending', reason = '' WHERE id = ? AND case_id = ? AND removed_at IS NULL`,
			kind, req.ID, documentID, c.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errDocumentNotFound
		}
		if err := tx.appendChange("kyc_document", documentID, "upsert", map[string]any{"kind": kind, "requirement": req.ID}); err != nil {
			return err
		}
		return tx.kycEvent(c.id, actorName(ctx), "document_classified", kind, c.state, c.state, "")
	})
}

// transition moves a case, checking the state machine.
func (tx *Tx) transition(ctx context.Context, c *caseRow, to, action, reason string) error {
	if backend.KYCTransition(c.state, to) == "" {
		return backend.Keyed(backend.ECONFLICT, "errors.kyc_transition", fmt.Sprintf("A case that is %s cannot become %s.", c.state, to))
	}
	set := `state = ?, updated_at = ?`
	args := []any{to, ms(tx.now)}
	if to == backend.KYCSubmitted {
		set += `, submitted_at = ?`
		args = append(args, ms(tx.now))
	}
	if _, err := tx.Exec(`UPDATE kyc_cases SET `+set+` WHERE id = ?`, append(args, c.id)...); err != nil {
		return err
	}
	if err := tx.appendChange("kyc_case", c.id, "upsert", map[string]any{"state": to}); err != nil {
		return err
	}
	from := c.state
	c.state = to
	return tx.kycEvent(c.id, actorName(ctx), action, "", from, to, reason)
}

// Submit sends a complete case to the reviewers. Returns EINVALID
// (documents "kyc_incomplete") while a mandatory document is missing.
func (s *KYCService) Submit(ctx context.Context, accountID string) (*backend.KYCCase, error) {
	cur, err := s.FindCase(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if cur.EntityType == "" {
		var f backend.Fields
		f.Add("entityType", "required", nil)
		return nil, f.Err()
	}
	if len(cur.Missing) > 0 {
		et, _ := s.catalogue.EntityType(cur.Country, cur.EntityType)
		names := et.RequirementNames(cur.Missing, backend.LangFromContext(ctx))
		var f backend.Fields
		f.Add("documents", "kyc_incomplete", map[string]any{"missing": strings.Join(names, ", ")})
		return nil, f.Err()
	}
	return s.editCase(ctx, accountID, func(tx *Tx, acct *accountRow, c *caseRow) error {
		// Documents the reviewers rejected before are looked at afresh
		// only if replaced; the others keep their decisions.
		return tx.transition(ctx, c, backend.KYCSubmitted, "submitted", "")
	})
}

// review runs fn on a case as its reviewer.
func (s *KYCService) review(ctx context.Context, caseID string, fn func(tx *Tx, c *caseRow) error) (*backend.KYCCase, error) {
	u, err := backend.RequireRole(ctx, backend.RoleReviewer, backend.RoleAdmin)
	if err != nil {
		return nil, err
	}
	var accountID string
	err = s.db.update(ctx, func(tx *Tx) error {
		c, err := s.caseBy(ctx, tx, "id", caseID)
		if errors.Is(err, sql.ErrNoRows) {
			return errCaseNotFound
		} else if err != nil {
			return err
		}
		accountID = c.accountID
		acct, err := s.accounts.load(ctx, tx, c.accountID, false)
		if err != nil {
			return err
		}
		if ok, err := canReview(ctx, tx, u, acct); err != nil {
			return err
		} else if !ok {
			return backend.Keyed(backend.EFORBIDDEN, "errors.own_review", "You cannot review an account you belong to or onboarded.")
		}
		return fn(tx, c)
	})
	if err != nil {
		return nil, wrapUnlessApp("kyc review", err)
	}
	return s.FindCase(ctx, accountID)
}

// StartReview takes a submitted case into review.
func (s *KYCService) StartReview(ctx context.Context, caseID string) (*backend.KYCCase, error) {
	return s.review(ctx, caseID, func(tx *Tx, c *caseRow) error {
		return tx.transition(ctx, c, backend.KYCInReview, "review_started", "")
	})
}

// Decide records decisions on documents. When every live document is
// decided, the case becomes approved (all approved) or changes requested.
func (s *KYCService) Decide(ctx context.Context, caseID string, decisions []backend.KYCDecision) (*backend.KYCCase, error) {
	var f backend.Fields
	for i, d := range decisions {
		if !d.Approve {
			decisions[i].Reason = backend.CleanText(&f, "reason."+d.DocumentID, d.Reason, 500, true)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.review(ctx, caseID, func(tx *Tx, c *caseRow) error {
		if c.state == backend.KYCSubmitted {
			if err := tx.transition(ctx, c, backend.KYCInReview, "review_started", ""); err != nil {
				return err
			}
		}
		if c.state != backend.KYCInReview {
			return backend.Keyed(backend.ECONFLICT, "errors.kyc_transition", "Only a case in review takes decisions.")
		}
		u := backend.UserFromContext(ctx)
		for _, d := range decisions {
			status, reason := backend.DocApproved, ""
			if !d.Approve {
				status, reason = backend.DocRejected, d.Reason
			}
			var kind string
			err := tx.QueryRow(`UPDATE kyc_documents SET status = ?, reason = ?, reviewed_by = ?, reviewed_at = ?
				WHERE id = ? AND case_id = ? AND removed_at IS NULL RETURNING kind`, status, reason, u.ID, ms(tx.now), d.DocumentID, c.id).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) {
				return errDocumentNotFound
			} else if err != nil {
				return err
			}
			if err := tx.appendChange("kyc_document", d.DocumentID, "upsert", map[string]any{"status": status, "reason": reason}); err != nil {
				return err
			}
			if err := tx.kycEvent(c.id, u.Name, "document_"+status, kind, c.state, c.state, reason); err != nil {
				return err
			}
		}
		var pending, rejected int
		if err := tx.QueryRow(`SELECT count(CASE WHEN status = 'pending' THEN 1 END), count(CASE WHEN status = 'rejected' THEN 1 END)
			FROM kyc_documents WHERE case_id = ? AND removed_at IS NULL AND kind != ''`, c.id).Scan(&pending, &rejected); err != nil {
			return err
		}
		switch {
		case pending > 0:
			return nil
		case rejected > 0:
			return tx.transition(ctx, c, backend.KYCChangesRequested, "changes_requested", "")
		}
		return tx.transition(ctx, c, backend.KYCApproved, "approved", "")
	})
}

// RejectCase rejects a case for good.
func (s *KYCService) RejectCase(ctx context.Context, caseID, reason string) (*backend.KYCCase, error) {
	var f backend.Fields
	reason = backend.CleanText(&f, "reason", reason, 500, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.review(ctx, caseID, func(tx *Tx, c *caseRow) error {
		if c.state == backend.KYCSubmitted {
			if err := tx.transition(ctx, c, backend.KYCInReview, "review_started", ""); err != nil {
				return err
			}
		}
		return tx.transition(ctx, c, backend.KYCRejected, "rejected", reason)
	})
}

// Queue lists cases waiting for review, oldest first.
func (s *KYCService) Queue(ctx context.Context, entityType, state string) ([]backend.KYCQueueItem, error) {
	u, err := backend.RequireRole(ctx, backend.RoleReviewer, backend.RoleAdmin, backend.RoleManager)
	if err != nil {
		return nil, err
	}
	_ = u
	q := `SELECT k.id, k.reference, k.account_id, a.display_name, k.entity_type, k.state, k.submitted_at
		FROM kyc_cases k JOIN accounts a ON a.id = k.account_id WHERE `
	var args []any
	switch state {
	case "":
		q += `k.state IN ('submitted', 'in_review')`
	case backend.KYCSubmitted, backend.KYCInReview:
		q += `k.state = ?`
		args = append(args, state)
	default:
		var f backend.Fields
		f.Add("state", "status_invalid", nil)
		return nil, f.Err()
	}
	if entityType != "" {
		q += ` AND k.entity_type = ?`
		args = append(args, entityType)
	}
	rows, err := s.db.read.QueryContext(ctx, q+` ORDER BY k.submitted_at, k.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("kyc queue: %w", err)
	}
	defer rows.Close()
	out := []backend.KYCQueueItem{}
	for rows.Next() {
		var it backend.KYCQueueItem
		var at sql.NullInt64
		if err := rows.Scan(&it.CaseID, &it.Reference, &it.AccountID, &it.AccountName, &it.EntityType, &it.State, &at); err != nil {
			return nil, fmt.Errorf("kyc queue: %w", err)
		}
		it.SubmittedAt = time.UnixMilli(at.Int64).UTC()
		out = append(out, it)
	}
	return out, rows.Err()
}

// OpenFile opens a file of a case the user may see.
func (s *KYCService) OpenFile(ctx context.Context, caseID, sha string) (io.ReadCloser, backend.KYCFile, error) {
	c, err := s.caseBy(ctx, s.db.read, "id", caseID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.KYCFile{}, errCaseNotFound
	} else if err != nil {
		return nil, backend.KYCFile{}, fmt.Errorf("open file: %w", err)
	}
	if _, err := s.accounts.load(ctx, s.db.read, c.accountID, false); err != nil {
		return nil, backend.KYCFile{}, err
	}
	var f backend.KYCFile
	err = s.db.read.QueryRowContext(ctx, `SELECT f.sha256, f.size, f.type, f.name FROM kyc_files f JOIN kyc_documents d ON d.id = f.document_id
		WHERE d.case_id = ? AND f.sha256 = ? LIMIT 1`, caseID, sha).Scan(&f.SHA256, &f.Size, &f.Type, &f.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.KYCFile{}, errDocumentNotFound
	} else if err != nil {
		return nil, backend.KYCFile{}, fmt.Errorf("open file: %w", err)
	}
	r, err := s.files.Open(sha)
	if err != nil {
		return nil, backend.KYCFile{}, fmt.Errorf("open file: %w", err)
	}
	return r, f, nil
}

var referenceRE = regexp.MustCompile(`\bKYC-[A-HJ-NP-Z2-9]{6}\b`)

// FileEmailed files emailed messages' attachments to cases: each to the
// case whose reference is in its subject, else to the case of the account
// whose verified email sent it. The files of the whole batch go to the
// vault with one round of syncs, then the documents are written in one
// transaction: a crash in between leaves unreferenced files, never a row
// without its file. A message is taken once, by its Message-ID.
func (s *KYCService) FileEmailed(ctx context.Context, msgs []backend.EmailedMessage) ([]backend.IntakeResult, error) {
	results := make([]backend.IntakeResult, len(msgs))
	var todo []filing
	batch := s.files.Batch()
	defer batch.Close()
	// Messages are read and their files written concurrently: creating a
	// file costs up to a millisecond on some disks, mostly waiting, and
	// several overlap. The rows are then written in one transaction.
	var mu sync.Mutex
	sem := make(chan struct{}, intakeWorkers)
	var wg sync.WaitGroup
	for i, m := range msgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f, err := s.prepareEmailed(ctx, batch, m)
			if ref, ok := err.(alreadyFiled); ok {
				results[i].CaseRef = string(ref)
				return
			} else if err != nil {
				results[i].Err = err
				return
			}
			f.msg = i
			mu.Lock()
			todo = append(todo, *f)
			mu.Unlock()
		})
	}
	wg.Wait()
	sort.Slice(todo, func(a, b int) bool { return todo[a].msg < todo[b].msg })
	if len(todo) == 0 {
		return results, nil
	}
	if err := batch.Commit(); err != nil {
		return nil, fmt.Errorf("file emailed: %w", err)
	}
	err := s.db.update(ctx, func(tx *Tx) error {
		cases := map[string]*caseRow{} // by account
		for _, f := range todo {
			m := msgs[f.msg]
			// The same message may be in a batch twice.
			if ref, taken, err := emailedBefore(ctx, tx, m.MessageID, f.acctID); err != nil {
				return err
			} else if taken {
				results[f.msg].CaseRef = ref
				continue
			}
			c := cases[f.acctID]
			if c == nil {
				acct, err := scanAccount(tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, f.acctID))
				if err != nil {
					return err
				}
				if c, err = s.ensureCase(ctx, tx, acct); err != nil {
					return err
				}
				cases[f.acctID] = c
			}
			for _, kf := range f.files {
				if _, err := tx.insertDocument(c.id, "", "", "email", m.MessageID, []backend.KYCFile{kf}); err != nil {
					return err
				}
			}
			if err := tx.kycEvent(c.id, "email", "emailed", "", c.state, c.state, f.from); err != nil {
				return err
			}
			results[f.msg].CaseRef = c.reference
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("file emailed: %w", err)
	}
	return results, nil
}

// intakeAccount finds the account a message is for: by the case reference
// in its subject, else by its sender's verified address. It returns the
// normalised sender, or an *IntakeError (unknown_sender).
func (s *KYCService) intakeAccount(ctx context.Context, m backend.EmailedMessage) (acctID, from string, err error) {
	if ref := referenceRE.FindString(strings.ToUpper(m.Subject)); ref != "" {
		c, err := s.caseBy(ctx, s.db.read, "reference", ref)
		if err == nil {
			acctID = c.accountID
		} else if !errors.Is(err, sql.ErrNoRows) {
			return "", "", fmt.Errorf("file emailed: %w", err)
		}
	}
	var f backend.Fields
	from = backend.NormalizeEmail(&f, "from", m.From)
	if acctID == "" && from != "" {
		err := s.db.read.QueryRowContext(ctx, `SELECT m.account_id FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE u.email = ? AND u.email_verified_at IS NOT NULL AND m.status = 'active' ORDER BY m.created_at LIMIT 1`, from).Scan(&acctID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", "", fmt.Errorf("file emailed: %w", err)
		}
	}
	if acctID == "" {
		return "", "", &backend.IntakeError{Reason: backend.IntakeUnknownSender, Detail: from}
	}
	return acctID, from, nil
}

// emailedBefore says whether a message was filed to the account already,
// and to which case.
// filing is an emailed message whose files are in the vault batch, ready
// for its rows.
type filing struct {
	msg    int
	acctID string
	from   string
	files  []backend.KYCFile
}

// intakeWorkers bounds the messages read and stored at once.
const intakeWorkers = 8

// alreadyFiled is a message taken before (a retry after a crash): its case
// reference, not an error.
type alreadyFiled string

func (a alreadyFiled) Error() string { return "already filed in " + string(a) }

// prepareEmailed finds the account a message belongs to and stores its
// files in the batch: the message is either ready or refused with a reason.
func (s *KYCService) prepareEmailed(ctx context.Context, batch backend.FileBatch, m backend.EmailedMessage) (*filing, error) {
	acctID, from, err := s.intakeAccount(ctx, m)
	if err != nil {
		return nil, err
	}
	if ref, taken, err := emailedBefore(ctx, s.db.read, m.MessageID, acctID); err != nil {
		return nil, fmt.Errorf("file emailed: %w", err)
	} else if taken {
		return nil, alreadyFiled(ref)
	}
	if len(m.Files) == 0 {
		return nil, &backend.IntakeError{Reason: backend.IntakeNoAttachment}
	}
	stored, err := putEmailed(batch, m.Files)
	if err != nil {
		return nil, err
	}
	return &filing{acctID: acctID, from: from, files: stored}, nil
}

func emailedBefore(ctx context.Context, q querier, messageID, acctID string) (string, bool, error) {
	if messageID == "" {
		return "", false, nil
	}
	var ref string
	// message_id != '' lets SQLite use the partial index on message_id,
	// and INDEXED BY makes it: without statistics SQLite prefers to walk
	// the case's documents, which grows with every document emailed.
	err := q.QueryRowContext(ctx, `SELECT k.reference FROM kyc_documents d INDEXED BY kyc_documents_message JOIN kyc_cases k ON k.id = d.case_id
		WHERE d.message_id = ? AND d.message_id != '' AND k.account_id = ? LIMIT 1`, messageID, acctID).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return ref, err == nil, err
}

// putEmailed writes a message's files to the vault batch; a file the
// vault refuses quarantines the message.
func putEmailed(batch backend.FileBatch, files []backend.UploadFile) ([]backend.KYCFile, error) {
	stored := make([]backend.KYCFile, 0, len(files))
	for _, up := range files {
		kf, err := batch.Put(up.Body, up.Name)
		var e *backend.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			reason := backend.IntakeWrongType
			if e.Fields[0].Code == "file_too_large" {
				reason = backend.IntakeTooLarge
			}
			return nil, &backend.IntakeError{Reason: reason, Detail: e.Fields[0].Message}
		} else if err != nil {
			return nil, fmt.Errorf("file emailed: %w", err)
		}
		stored = append(stored, kf)
	}
	return stored, nil
}

// removeDocuments marks the documents a condition selects as removed (they
// stay for the history) and logs each, returning how many there were.
func (tx *Tx) removeDocuments(where string, args ...any) (int, error) {
	rows, err := tx.Query(`UPDATE kyc_documents SET removed_at = ? WHERE `+where+` RETURNING id`, append([]any{ms(tx.now)}, args...)...)
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := tx.appendChange("kyc_document", id, "delete", nil); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
