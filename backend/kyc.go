package backend

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// The KYC catalogue: which documents each entity type must provide, per
// country. It is data (kyc_catalogue.json), so adding a country or a
// document is an edit of that file, not of code.
//
//go:embed kyc_catalogue.json
var catalogueJSON []byte

// Text is a string in each UI language.
type Text map[string]string

// In returns the text in a language, else in English.
func (t Text) In(lang string) string {
	if v := t[lang]; v != "" {
		return v
	}
	return t["en"]
}

// KYCDocumentKind is one kind of document, such as a PAN card.
type KYCDocumentKind struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
}

// KYCRequirement is one thing to prove, such as an address; any one of
// its documents does.
type KYCRequirement struct {
	ID        string            `json:"id"`
	Name      Text              `json:"name"`
	Mandatory bool              `json:"mandatory"`
	Documents []KYCDocumentKind `json:"documents"`
}

// KYCEntityType is a legal form with its requirements.
type KYCEntityType struct {
	ID           string           `json:"id"`
	Name         Text             `json:"name"`
	Requirements []KYCRequirement `json:"requirements"`
}

// KYCCountry is a country's list of entity types.
type KYCCountry struct {
	Country     string          `json:"country"`
	EntityTypes []KYCEntityType `json:"entityTypes"`
}

// KYCCatalogue is the whole catalogue.
type KYCCatalogue struct {
	Countries []KYCCountry `json:"countries"`
}

// Catalogue returns the embedded catalogue. It is checked by tests, so a
// broken edit fails CI rather than a user's screen.
func Catalogue() KYCCatalogue {
	var c KYCCatalogue
	if err := json.Unmarshal(catalogueJSON, &c); err != nil {
		panic(fmt.Sprintf("kyc catalogue: %v", err)) // embedded and tested: cannot happen in a release
	}
	return c
}

// EntityType finds an entity type of a country.
func (c KYCCatalogue) EntityType(country, id string) (KYCEntityType, bool) {
	for _, co := range c.Countries {
		if co.Country != country {
			continue
		}
		for _, et := range co.EntityTypes {
			if et.ID == id {
				return et, true
			}
		}
	}
	return KYCEntityType{}, false
}

// Requirement finds which requirement a document kind answers.
func (et KYCEntityType) Requirement(kind string) (KYCRequirement, bool) {
	for _, r := range et.Requirements {
		for _, d := range r.Documents {
			if d.ID == kind {
				return r, true
			}
		}
	}
	return KYCRequirement{}, false
}

// RequirementNames names requirements, by id, in a language; an id the
// entity type does not list stays as it is.
func (et KYCEntityType) RequirementNames(ids []string, lang string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		for _, r := range et.Requirements {
			if r.ID == id {
				out[i] = r.Name.In(lang)
			}
		}
	}
	return out
}

// CaseCountry is the country whose catalogue a new case starts from: the
// account's own, from its company's requisites, else its legal or postal
// address, else its (verified) phone number; fallback (the installation's
// region) when the account says nothing. A new account's profile comes
// with the installation's region filled in, so a country counts only
// where the customer filled in something with it.
func CaseCountry(a Account, fallback string) string {
	if r := a.Profile.Requisites; r.Country != "" && r != (Requisites{Country: r.Country}) {
		return r.Country
	}
	for _, addr := range []Address{a.Profile.LegalAddress, a.Profile.PostalAddress} {
		if addr.Country != "" && addr != (Address{Country: addr.Country}) {
			return addr.Country
		}
	}
	if num, err := phonenumbers.Parse(a.Details.Phone, ""); err == nil {
		if region := phonenumbers.GetRegionCodeForNumber(num); region != "" && region != "ZZ" {
			return region
		}
	}
	return fallback
}

// KYC case states.
const (
	KYCDraft            = "draft"
	KYCSubmitted        = "submitted"
	KYCInReview         = "in_review"
	KYCApproved         = "approved"
	KYCChangesRequested = "changes_requested"
	KYCRejected         = "rejected"
)

// Document review states.
const (
	DocPending  = "pending"
	DocApproved = "approved"
	DocRejected = "rejected"
)

// kycTransitions is the state machine: who may move a case from a state
// to another. "owner" is the customer's administrators and the staff who
// may edit the account; "reviewer" is a KYC reviewer (or an admin).
var kycTransitions = map[string]map[string]string{
	KYCDraft:            {KYCSubmitted: "owner"},
	KYCSubmitted:        {KYCInReview: "reviewer"},
	KYCInReview:         {KYCApproved: "reviewer", KYCChangesRequested: "reviewer", KYCRejected: "reviewer"},
	KYCChangesRequested: {KYCSubmitted: "owner"},
}

// KYCTransition returns who may move a case from one state to another,
// or "" if the move is not allowed at all.
func KYCTransition(from, to string) string { return kycTransitions[from][to] }

// KYCFile is one stored file of a document (a scan's front or back).
type KYCFile struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Type   string `json:"type"` // application/pdf, image/jpeg, image/png, image/heic
	Name   string `json:"name"` // the uploader's name for it, shown only, never a path
}

// KYCDocument is an uploaded document of a case.
type KYCDocument struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Requirement string    `json:"requirement"`
	Status      string    `json:"status"` // pending | approved | rejected
	Reason      string    `json:"reason"` // why it was rejected; the customer sees it
	Files       []KYCFile `json:"files"`
	Source      string    `json:"source"` // upload | email
	CreatedAt   time.Time `json:"createdAt"`
}

// KYCEvent is one entry of a case's history: who did what, when and why.
type KYCEvent struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"` // user name, or "email" for the mailbox
	Action string    `json:"action"`
	Kind   string    `json:"kind"` // the kind of document a per-document entry is about
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
}

// KYCCase is an account's KYC case.
type KYCCase struct {
	ID          string        `json:"id"`
	Reference   string        `json:"reference"` // short, for email subjects: KYC-XXXXXX
	AccountID   string        `json:"accountId"`
	AccountName string        `json:"accountName"`
	Country     string        `json:"country"`
	EntityType  string        `json:"entityType"`
	State       string        `json:"state"`
	Documents   []KYCDocument `json:"documents"` // current ones; replaced documents are in History only
	History     []KYCEvent    `json:"history"`
	// Missing lists the mandatory requirements with no live document;
	// the case can be submitted when it is empty.
	Missing     []string  `json:"missing"`
	CanEdit     bool      `json:"canEdit"`
	CanReview   bool      `json:"canReview"`
	SubmittedAt time.Time `json:"submittedAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// KYCMissing is the mandatory-set rule: the mandatory requirements of an
// entity type that no document (other than a rejected one) answers.
func KYCMissing(et KYCEntityType, docs []KYCDocument) []string {
	missing := []string{}
	for _, r := range et.Requirements {
		if !r.Mandatory {
			continue
		}
		ok := false
		for _, d := range docs {
			ok = ok || (d.Requirement == r.ID && d.Status != DocRejected && len(d.Files) > 0)
		}
		if !ok {
			missing = append(missing, r.ID)
		}
	}
	return missing
}

// KYCDecision is a reviewer's decision on one document.
type KYCDecision struct {
	DocumentID string `json:"documentId"`
	Approve    bool   `json:"approve"`
	Reason     string `json:"reason"`
}

// KYCQueueItem is one case waiting for review.
type KYCQueueItem struct {
	CaseID      string    `json:"caseId"`
	Reference   string    `json:"reference"`
	AccountID   string    `json:"accountId"`
	AccountName string    `json:"accountName"`
	EntityType  string    `json:"entityType"`
	State       string    `json:"state"`
	SubmittedAt time.Time `json:"submittedAt"`
}

// MaxKYCFileSize is the default limit of one uploaded file.
const MaxKYCFileSize = 10 << 20

// UploadFile is a file to attach: its name as the user had it (shown,
// never used as a path) and its content.
type UploadFile struct {
	Name string
	Body io.Reader
}

// KYCService keeps KYC cases. Errors: EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND,
// EINVALID (field errors: entityType, files, documents, reason), ECONFLICT
// (a move the state machine does not allow).
type KYCService interface {
	Catalogue(ctx context.Context) (KYCCatalogue, error)
	// FindCase returns the account's case; before its first change that is
	// an empty draft with no id, which the first write creates.
	FindCase(ctx context.Context, accountID string) (*KYCCase, error)
	SetEntityType(ctx context.Context, accountID, country, entityType string) (*KYCCase, error)
	// AddDocument stores files (checked by content and size) as one
	// document of a kind; a rejected document of that requirement is
	// replaced by it.
	AddDocument(ctx context.Context, accountID, kind string, files []UploadFile) (*KYCCase, error)
	RemoveDocument(ctx context.Context, accountID, documentID string) (*KYCCase, error)
	// ClassifyDocument says which kind an emailed document is.
	ClassifyDocument(ctx context.Context, accountID, documentID, kind string) (*KYCCase, error)
	Submit(ctx context.Context, accountID string) (*KYCCase, error)
	// StartReview takes a submitted case into review.
	StartReview(ctx context.Context, caseID string) (*KYCCase, error)
	// Decide records per-document decisions and closes the review: all
	// approved -> approved, any rejected -> changes requested.
	Decide(ctx context.Context, caseID string, decisions []KYCDecision) (*KYCCase, error)
	// RejectCase rejects the whole case for good, with a reason.
	RejectCase(ctx context.Context, caseID, reason string) (*KYCCase, error)
	Queue(ctx context.Context, entityType, state string) ([]KYCQueueItem, error)
	// OpenFile returns a stored file of a case the user may see.
	OpenFile(ctx context.Context, caseID, sha256 string) (io.ReadCloser, KYCFile, error)
}

// EmailedMessage is one message for the intake: from is the sender's
// address, subject may hold a case reference (KYC-XXXXXX).
type EmailedMessage struct {
	MessageID string
	From      string
	Subject   string
	Files     []UploadFile
}

// IntakeResult is what became of one message: filed to the case CaseRef
// when Err is nil; a *IntakeError with a quarantine reason when it cannot
// be filed; any other error leaves it for the next round.
type IntakeResult struct {
	CaseRef string
	Err     error
}

// KYCIntake files documents that arrived by email, a fetched batch at a
// time, so that a batch costs one transaction and one round of syncs. It
// answers one result per message, in order; an error says that none was
// filed. A Message-ID is filed once: offered again, it answers the case it
// went to.
type KYCIntake interface {
	FileEmailed(ctx context.Context, msgs []EmailedMessage) ([]IntakeResult, error)
}

// Quarantine reasons of emailed documents.
const (
	IntakeUnknownSender = "unknown_sender"
	IntakeNoAttachment  = "no_attachment"
	IntakeTooLarge      = "too_large"
	IntakeWrongType     = "wrong_type"
)

// IntakeError says why an emailed message was quarantined.
type IntakeError struct {
	Reason string // one of the Intake* reasons
	Detail string
}

func (e *IntakeError) Error() string { return "intake: " + e.Reason + ": " + e.Detail }

// FileStore keeps KYC files by content (the vault). Put returns EINVALID
// field errors for files it refuses.
type FileStore interface {
	Put(r io.Reader, name string) (KYCFile, error)
	// Batch stores several files with one round of syncs.
	Batch() FileBatch
	Open(sha256 string) (io.ReadCloser, error)
	Has(sha256 string) bool
}

// FileBatch stores files together: Put checks and writes each one, but
// none is stored, under its final name and durable, before Commit returns.
// Close discards what was not committed.
type FileBatch interface {
	// Put is safe for concurrent use; Commit and Close are not.
	Put(r io.Reader, name string) (KYCFile, error)
	Commit() error
	Close()
}
