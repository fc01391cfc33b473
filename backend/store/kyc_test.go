package store_test

import (
	"bytes"
	"context"
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

func TestFileEmailed(t *testing.T) {
	k := newKYCEnv(t)
	ctx := context.Background()
	ref, err := k.kyc.FileEmailed(ctx, "<m1@example.com>", "Client@Example.com", "my documents", pdfFile("deed.pdf"))
	if err != nil || !strings.HasPrefix(ref, "KYC-") {
		t.Fatalf("by sender: %q %v", ref, err)
	}
	// The same message again (a retry after a crash) is taken once.
	if _, err := k.kyc.FileEmailed(ctx, "<m1@example.com>", "client@example.com", "my documents", pdfFile("deed.pdf")); err != nil {
		t.Fatal(err)
	}
	if n := k.count(t, `SELECT count(*) FROM kyc_documents WHERE source = 'email'`); n != 1 {
		t.Fatalf("emailed documents: %d", n)
	}
	// A stranger quoting the case reference still reaches the case.
	if _, err := k.kyc.FileEmailed(ctx, "<m2@x>", "accountant@firm.example", "Re: "+strings.ToLower(ref)+" scans", pdfFile("a.pdf")); err != nil {
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
			_, err := k.kyc.FileEmailed(ctx, "<"+tt.name+"@x>", tt.from, tt.subject, tt.files)
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
