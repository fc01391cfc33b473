package store_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"

	"gatehouse/backend"
	"gatehouse/backend/store"
	"gatehouse/backend/vault"
)

const samplePDF = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

func samplePNG(tb testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

type kycEnv struct {
	*accountsEnv
	kyc      *store.KYCService
	vault    *vault.Vault
	customer context.Context
	reviewer context.Context
	acct     *backend.Account
}

func newKYCEnv(tb testing.TB) *kycEnv {
	tb.Helper()
	a := newAccountsEnv(tb)
	v, err := vault.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	k := &kycEnv{accountsEnv: a, kyc: store.NewKYCService(a.db, a.accts, v), vault: v}
	k.customer = a.user(tb, "client@example.com", backend.RoleCustomer)
	k.reviewer = a.user(tb, "reviewer@gatehouse.test", backend.RoleReviewer)
	if k.acct, err = a.accts.SaveAccountDetails(k.customer, "", companyDetails()); err != nil {
		tb.Fatal(err)
	}
	return k
}

func pdfFile(name string) []backend.UploadFile {
	return []backend.UploadFile{{Name: name, Body: strings.NewReader(samplePDF)}}
}

func TestCatalogue(t *testing.T) {
	c := backend.Catalogue()
	ids := map[string]bool{}
	for _, co := range c.Countries {
		if len(co.EntityTypes) == 0 {
			t.Fatalf("%s has no entity types", co.Country)
		}
		for _, et := range co.EntityTypes {
			if et.Name["en"] == "" || et.Name["ru"] == "" || len(et.Requirements) == 0 {
				t.Fatalf("%s/%s: names or requirements missing", co.Country, et.ID)
			}
			for _, r := range et.Requirements {
				if len(r.Documents) == 0 {
					t.Fatalf("%s/%s/%s: no documents", co.Country, et.ID, r.ID)
				}
				for _, d := range r.Documents {
					if d.Name["en"] == "" || d.Name["ru"] == "" {
						t.Fatalf("document %s lacks a name", d.ID)
					}
				}
			}
			ids[co.Country+"/"+et.ID] = true
		}
	}
	for _, want := range []string{"IN/individual", "IN/sole_proprietorship", "IN/partnership", "IN/llp", "IN/private_limited", "IN/public_limited", "IN/trust_society_ngo", "IN/government", "RU/company", "RU/individual_entrepreneur"} {
		if !ids[want] {
			t.Errorf("catalogue lacks %s", want)
		}
	}
}

func TestKYCMissingRule(t *testing.T) {
	et, _ := backend.Catalogue().EntityType("IN", "individual")
	doc := func(req, status string) backend.KYCDocument {
		return backend.KYCDocument{Requirement: req, Status: status, Files: []backend.KYCFile{{SHA256: "x"}}}
	}
	for _, tt := range []struct {
		name string
		docs []backend.KYCDocument
		want string
	}{
		{"Nothing", nil, "pan,address_proof,letter_of_authority"},
		{"OneOfAlternatives", []backend.KYCDocument{doc("pan", "pending"), doc("address_proof", "pending"), doc("letter_of_authority", "approved")}, ""},
		{"RejectedDoesNotCount", []backend.KYCDocument{doc("pan", "rejected"), doc("address_proof", "pending"), doc("letter_of_authority", "pending")}, "pan"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(backend.KYCMissing(et, tt.docs), ","); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKYCJourney(t *testing.T) {
	k := newKYCEnv(t)
	id := k.acct.ID
	if _, err := k.kyc.SetEntityType(k.customer, id, "IN", "spaceship"); backend.ErrorCode(err) != backend.EINVALID {
		t.Fatalf("unknown entity type: %v", err)
	}
	c, err := k.kyc.SetEntityType(k.customer, id, "IN", "individual")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Missing) != 3 || !c.CanEdit || c.CanReview {
		t.Fatalf("new case %+v", c)
	}
	if _, err := k.kyc.Submit(k.customer, id); fieldCodes(t, err)["documents"] != "kyc_incomplete" {
		t.Fatalf("incomplete submit: %v", err)
	}
	// A lying file is refused and nothing is recorded.
	_, err = k.kyc.AddDocument(k.customer, id, "pan_card", []backend.UploadFile{{Name: "pan.pdf", Body: bytes.NewReader(samplePNG(t))}})
	if fieldCodes(t, err)["files"] != "file_type_mismatch" {
		t.Fatalf("lying file: %v", err)
	}
	if n := k.count(t, `SELECT count(*) FROM kyc_documents`); n != 0 {
		t.Fatal("a refused file left a document row")
	}
	if _, err := k.kyc.AddDocument(k.customer, id, "pan_card", []backend.UploadFile{
		{Name: "pan-front.png", Body: bytes.NewReader(samplePNG(t))}, {Name: "pan-back.pdf", Body: strings.NewReader(samplePDF)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.kyc.AddDocument(k.customer, id, "passport", pdfFile("passport.pdf")); err != nil {
		t.Fatal(err)
	}
	if _, err := k.kyc.AddDocument(k.customer, id, "board_resolution", pdfFile("x.pdf")); fieldCodes(t, err)["kind"] != "document_kind_invalid" {
		t.Fatalf("kind of another entity type: %v", err)
	}
	c, err = k.kyc.AddDocument(k.customer, id, "letter_of_authority", pdfFile("loa.pdf"))
	if err != nil || len(c.Missing) != 0 || len(c.Documents) != 3 || len(c.Documents[0].Files) != 2 {
		t.Fatalf("after uploads: %v %+v", err, c)
	}
	if _, err := k.kyc.StartReview(k.reviewer, c.ID); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("review of a draft: %v", err)
	}
	if c, err = k.kyc.Submit(k.customer, id); err != nil || c.State != backend.KYCSubmitted || c.CanEdit {
		t.Fatalf("submit: %v %+v", err, c)
	}
	if _, err := k.kyc.AddDocument(k.customer, id, "pan_card", pdfFile("late.pdf")); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("edit while submitted: %v", err)
	}
	// Only reviewers decide, and never on their own account.
	if _, err := k.kyc.StartReview(k.customer, c.ID); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Fatalf("customer reviewed: %v", err)
	}
	queue, err := k.kyc.Queue(k.reviewer, "", "")
	if err != nil || len(queue) != 1 || queue[0].CaseID != c.ID {
		t.Fatalf("queue %+v %v", queue, err)
	}
	rc, err := k.kyc.FindCase(k.reviewer, id)
	if err != nil || !rc.CanReview {
		t.Fatalf("reviewer view: %v %+v", err, rc)
	}
	pan := rc.Documents[0].ID
	if _, err := k.kyc.Decide(k.reviewer, c.ID, []backend.KYCDecision{{DocumentID: pan, Approve: false}}); fieldCodes(t, err)["reason."+pan] != "required" {
		t.Fatalf("rejection without reason: %v", err)
	}
	decisions := []backend.KYCDecision{{DocumentID: pan, Approve: false, Reason: "The PAN number is not readable."}}
	for _, d := range rc.Documents[1:] {
		decisions = append(decisions, backend.KYCDecision{DocumentID: d.ID, Approve: true})
	}
	c, err = k.kyc.Decide(k.reviewer, c.ID, decisions)
	if err != nil || c.State != backend.KYCChangesRequested {
		t.Fatalf("decide: %v %+v", err, c)
	}
	cc, _ := k.kyc.FindCase(k.customer, id)
	if cc.Documents[0].Reason != "The PAN number is not readable." || !cc.CanEdit || len(cc.Missing) != 1 {
		t.Fatalf("customer's view after rejection: %+v", cc)
	}
	// The customer replaces only what was rejected and submits again.
	if _, err := k.kyc.AddDocument(k.customer, id, "passport", pdfFile("passport2.pdf")); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("replaced an approved document: %v", err)
	}
	if _, err := k.kyc.RemoveDocument(k.customer, id, cc.Documents[1].ID); backend.ErrorCode(err) != backend.ECONFLICT {
		t.Fatalf("removed an approved document: %v", err)
	}
	if _, err := k.kyc.AddDocument(k.customer, id, "pan_card", []backend.UploadFile{{Name: "pan-clear.png", Body: bytes.NewReader(append(samplePNG(t), 0))}}); err != nil {
		t.Fatal(err)
	}
	if c, err = k.kyc.Submit(k.customer, id); err != nil {
		t.Fatal(err)
	}
	rc, _ = k.kyc.FindCase(k.reviewer, id)
	var pending []backend.KYCDecision
	for _, d := range rc.Documents {
		if d.Status == backend.DocPending {
			pending = append(pending, backend.KYCDecision{DocumentID: d.ID, Approve: true})
		}
	}
	if len(pending) != 1 {
		t.Fatalf("only the replacement should wait for a decision, got %d", len(pending))
	}
	if c, err = k.kyc.Decide(k.reviewer, c.ID, pending); err != nil || c.State != backend.KYCApproved {
		t.Fatalf("approve: %v %+v", err, c)
	}
	var actions []string
	for _, e := range c.History {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "submitted review_started") || !strings.HasSuffix(got, "approved") {
		t.Fatalf("history: %s", got)
	}
	// Files are readable by who may see the case, from the vault.
	r, f, err := k.kyc.OpenFile(k.customer, c.ID, c.Documents[1].Files[0].SHA256)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != samplePDF || f.Type != "application/pdf" {
		t.Fatalf("file %+v", f)
	}
	other := k.user(t, "other@example.com", backend.RoleCustomer)
	if _, _, err := k.kyc.OpenFile(other, c.ID, c.Documents[1].Files[0].SHA256); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Fatalf("stranger opened a file: %v", err)
	}
}

func TestKYCOwnAccountNotReviewed(t *testing.T) {
	k := newKYCEnv(t)
	// The admin onboards a customer and may not review that case.
	acct, err := k.accts.SaveAccountDetails(k.admin, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	k.kyc.SetEntityType(k.admin, acct.ID, "RU", "individual_entrepreneur")
	for _, kind := range []string{"egrip_extract", "inn_certificate", "passport"} {
		if _, err := k.kyc.AddDocument(k.admin, acct.ID, kind, pdfFile(kind+".pdf")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := k.kyc.Submit(k.admin, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.kyc.StartReview(k.admin, c.ID); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Fatalf("reviewed own onboarding: %v", err)
	}
	if _, err := k.kyc.RejectCase(k.reviewer, c.ID, ""); fieldCodes(t, err)["reason"] != "required" {
		t.Fatalf("reject without reason: %v", err)
	}
	if c, err = k.kyc.RejectCase(k.reviewer, c.ID, "Documents belong to another company."); err != nil || c.State != backend.KYCRejected {
		t.Fatalf("reject: %v", err)
	}
	if _, err := k.kyc.Submit(k.admin, acct.ID); backend.ErrorCode(err) == "" {
		t.Fatal("a rejected case was submitted again")
	}
}

// fileEmailed offers one message to the intake.
func (k *kycEnv) fileEmailed(ctx context.Context, messageID, from, subject string, files []backend.UploadFile) (string, error) {
	res, err := k.kyc.FileEmailed(ctx, []backend.EmailedMessage{{MessageID: messageID, From: from, Subject: subject, Files: files}})
	if err != nil {
		return "", err
	}
	return res[0].CaseRef, res[0].Err
}

// failingCommit is the real vault whose batches cannot be committed, as
// when the disk fills up between writing and syncing.
type failingCommit struct{ *vault.Vault }

func (f failingCommit) Batch() backend.FileBatch { return failingBatch{f.Vault.Batch()} }

type failingBatch struct{ backend.FileBatch }

func (failingBatch) Commit() error { return errors.New("no space left on device") }

// TestFileEmailedBatch files a fetched batch at once: each message gets
// its own answer, a message twice in the batch is taken once, and when the
// files cannot be made durable no row is written.
func TestFileEmailedBatch(t *testing.T) {
	ctx := context.Background()
	msg := func(id, from string, files ...backend.UploadFile) backend.EmailedMessage {
		return backend.EmailedMessage{MessageID: id, From: from, Subject: "scans", Files: files}
	}
	pdfNamed := func(name, body string) backend.UploadFile {
		return backend.UploadFile{Name: name, Body: strings.NewReader("%PDF-1.4\n" + body)}
	}
	batch := func() []backend.EmailedMessage {
		return []backend.EmailedMessage{
			msg("<a@x>", "client@example.com", pdfNamed("pan.pdf", "a")),
			msg("<b@x>", "client@example.com", pdfNamed("deed.pdf", "b"), pdfNamed("deed p2.pdf", "c")),
			msg("<a@x>", "client@example.com", pdfNamed("pan.pdf", "a")),
			msg("<c@x>", "nobody@example.com", pdfNamed("x.pdf", "d")),
			msg("<d@x>", "client@example.com", backend.UploadFile{Name: "virus.exe", Body: strings.NewReader("MZ\x90\x00")}),
		}
	}
	t.Run("OK", func(t *testing.T) {
		k := newKYCEnv(t)
		res, err := k.kyc.FileEmailed(ctx, batch())
		if err != nil {
			t.Fatal(err)
		}
		reasons := make([]string, len(res))
		for i, r := range res {
			if ie, ok := r.Err.(*backend.IntakeError); ok {
				reasons[i] = ie.Reason
			} else if r.Err != nil {
				t.Fatalf("message %d: %v", i, r.Err)
			} else if !strings.HasPrefix(r.CaseRef, "KYC-") {
				t.Fatalf("message %d filed to %q", i, r.CaseRef)
			}
		}
		if got, want := strings.Join(reasons, ","), ",,,unknown_sender,wrong_type"; got != want {
			t.Fatalf("reasons %q, want %q", got, want)
		}
		if got, want := k.count(t, `SELECT count(*) FROM kyc_documents WHERE source = 'email'`), 3; got != want {
			t.Fatalf("emailed documents %d, want %d", got, want)
		}
		if got, want := k.count(t, `SELECT count(*) FROM kyc_events WHERE action = 'emailed'`), 2; got != want {
			t.Fatalf("emailed events %d, want %d", got, want)
		}
		c, _ := k.kyc.FindCase(k.customer, k.acct.ID)
		for _, d := range c.Documents {
			if !k.vault.Has(d.Files[0].SHA256) {
				t.Fatalf("%s is not in the vault", d.Files[0].Name)
			}
		}
	})
	t.Run("ErrVaultCommit", func(t *testing.T) {
		k := newKYCEnv(t)
		kyc := store.NewKYCService(k.db, k.accts, failingCommit{k.vault})
		if _, err := kyc.FileEmailed(ctx, batch()); err == nil {
			t.Fatal("filed with no durable files")
		}
		if got := k.count(t, `SELECT count(*) FROM kyc_documents`); got != 0 {
			t.Fatalf("%d documents written without their files", got)
		}
		// The next round, with the disk back, takes them.
		res, err := k.kyc.FileEmailed(ctx, batch())
		if err != nil || res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("retry: %+v %v", res, err)
		}
	})
}

func TestFileEmailed(t *testing.T) {
	k := newKYCEnv(t)
	ctx := context.Background()
	ref, err := k.fileEmailed(ctx, "<m1@example.com>", "Client@Example.com", "my documents", pdfFile("deed.pdf"))
	if err != nil || !strings.HasPrefix(ref, "KYC-") {
		t.Fatalf("by sender: %q %v", ref, err)
	}
	// The same message again (a retry after a crash) is taken once.
	if again, err := k.fileEmailed(ctx, "<m1@example.com>", "client@example.com", "my documents", pdfFile("deed.pdf")); err != nil || again != ref {
		t.Fatalf("again: %q %v", again, err)
	}
	if n := k.count(t, `SELECT count(*) FROM kyc_documents WHERE source = 'email'`); n != 1 {
		t.Fatalf("emailed documents: %d", n)
	}
	// A stranger quoting the case reference still reaches the case.
	if _, err := k.fileEmailed(ctx, "<m2@x>", "accountant@firm.example", "Re: "+strings.ToLower(ref)+" scans", pdfFile("a.pdf")); err != nil {
		t.Fatalf("by reference: %v", err)
	}
	for _, tt := range []struct {
		name, from, subject string
		files               []backend.UploadFile
		reason              string
	}{
		{"UnknownSender", "nobody@example.com", "hello", pdfFile("a.pdf"), backend.IntakeUnknownSender},
		{"NoAttachment", "client@example.com", "hello", nil, backend.IntakeNoAttachment},
		{"WrongType", "client@example.com", "hello", []backend.UploadFile{{Name: "virus.exe", Body: strings.NewReader("MZ\x90\x00")}}, backend.IntakeWrongType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.fileEmailed(ctx, "<"+tt.name+"@x>", tt.from, tt.subject, tt.files)
			ie, ok := err.(*backend.IntakeError)
			if !ok || ie.Reason != tt.reason {
				t.Fatalf("got %v, want %s", err, tt.reason)
			}
		})
	}
	c, _ := k.kyc.FindCase(k.customer, k.acct.ID)
	if len(c.Documents) != 2 || c.Documents[0].Kind != "" || c.Documents[0].Source != "email" {
		t.Fatalf("case after email: %+v", c.Documents)
	}
	k.kyc.SetEntityType(k.customer, k.acct.ID, "IN", "partnership")
	c, err = k.kyc.ClassifyDocument(k.customer, k.acct.ID, c.Documents[0].ID, "partnership_deed")
	if err != nil || c.Documents[0].Requirement != "deed" {
		t.Fatalf("classify: %v %+v", err, c.Documents)
	}
}

// TestKYCIncompleteNamesRequirements: the kyc_incomplete error lists what
// is missing by name, in the user's language.
func TestKYCIncompleteNamesRequirements(t *testing.T) {
	k := newKYCEnv(t)
	if _, err := k.kyc.SetEntityType(k.customer, k.acct.ID, "IN", "individual"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.kyc.AddDocument(k.customer, k.acct.ID, "pan_card", pdfFile("pan.pdf")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, want string }{
		{"en", "Address proof, Letter of authority"},
		{"ru", "Подтверждение адреса, Письмо-полномочие"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			_, err := k.kyc.Submit(backend.NewContextWithLang(k.customer, tt.lang), k.acct.ID)
			var e *backend.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Code != "kyc_incomplete" {
				t.Fatalf("submit: %v", err)
			}
			if got := e.Fields[0].Params["missing"]; got != tt.want {
				t.Fatalf("missing %q, want %q", got, tt.want)
			}
		})
	}
}

// TestKYCHistoryNamesDocuments: per-document history entries say which
// kind of document they are about.
func TestKYCHistoryNamesDocuments(t *testing.T) {
	k := newKYCEnv(t)
	id := k.acct.ID
	must := func(c *backend.KYCCase, err error) *backend.KYCCase {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	must(k.kyc.SetEntityType(k.customer, id, "IN", "individual"))
	must(k.kyc.AddDocument(k.customer, id, "pan_card", pdfFile("pan.pdf")))
	must(k.kyc.AddDocument(k.customer, id, "pan_card", []backend.UploadFile{{Name: "pan.png", Body: bytes.NewReader(samplePNG(t))}}))
	c := must(k.kyc.AddDocument(k.customer, id, "voter_id", pdfFile("voter.pdf")))
	c = must(k.kyc.RemoveDocument(k.customer, id, c.Documents[1].ID))
	must(k.kyc.AddDocument(k.customer, id, "passport", pdfFile("passport.pdf")))
	c = must(k.kyc.AddDocument(k.customer, id, "letter_of_authority", pdfFile("loa.pdf")))
	must(k.kyc.Submit(k.customer, id))
	decisions := []backend.KYCDecision{{DocumentID: c.Documents[0].ID, Reason: "Blurry photo."}}
	for _, d := range c.Documents[1:] {
		decisions = append(decisions, backend.KYCDecision{DocumentID: d.ID, Approve: true})
	}
	c = must(k.kyc.Decide(k.reviewer, c.ID, decisions))

	var got []string
	for _, ev := range c.History {
		if strings.HasPrefix(ev.Action, "document_") {
			got = append(got, ev.Action+":"+ev.Kind+":"+ev.Reason)
		}
	}
	want := []string{
		"document_added:pan_card:",
		"document_replaced:pan_card:",
		"document_added:voter_id:",
		"document_removed:voter_id:",
		"document_added:passport:",
		"document_added:letter_of_authority:",
		"document_rejected:pan_card:Blurry photo.",
		"document_approved:passport:",
		"document_approved:letter_of_authority:",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestKYCCaseCountry: a case starts in the account's country, follows the
// company's details until an entity type is chosen, then keeps its own.
func TestKYCCaseCountry(t *testing.T) {
	for _, tt := range []struct {
		name       string
		profile    func(*backend.CompanyProfile)
		emailFirst bool // a document arrives by email before the profile is saved
		want       string
	}{
		{"PrefilledProfile", func(*backend.CompanyProfile) {}, false, "RU"}, // the phone is Russian
		{"Requisites", func(p *backend.CompanyProfile) { p.Requisites.Country, p.Requisites.PAN = "IN", "AAACR5055K" }, false, "IN"},
		{"LegalAddress", func(p *backend.CompanyProfile) { p.LegalAddress.Country, p.LegalAddress.City = "IN", "Mumbai" }, false, "IN"},
		{"ProfileAfterTheCaseOpened", func(p *backend.CompanyProfile) { p.Requisites.Country, p.Requisites.PAN = "IN", "AAACR5055K" }, true, "IN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := newKYCEnv(t)
			if tt.emailFirst {
				if _, err := k.fileEmailed(context.Background(), "<early@x>", "client@example.com", "scans", pdfFile("a.pdf")); err != nil {
					t.Fatal(err)
				}
			}
			p := k.acct.Profile
			tt.profile(&p)
			if _, err := k.accts.SaveCompany(k.customer, k.acct.ID, p); err != nil {
				t.Fatal(err)
			}
			c, err := k.kyc.FindCase(k.customer, k.acct.ID)
			if err != nil || c.Country != tt.want {
				t.Fatalf("country %q, want %q (%v)", c.Country, tt.want, err)
			}
			// Once the customer picks a country's entity type, it stays.
			if c, err = k.kyc.SetEntityType(k.customer, k.acct.ID, "RU", "company"); err != nil {
				t.Fatal(err)
			}
			p.Requisites.Country, p.Requisites.PAN = "IN", "AAACR5055K"
			if _, err := k.accts.SaveCompany(k.customer, k.acct.ID, p); err != nil {
				t.Fatal(err)
			}
			if c, _ = k.kyc.FindCase(k.customer, k.acct.ID); c.Country != "RU" {
				t.Fatalf("country after choosing: %s", c.Country)
			}
		})
	}
}
