package pdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/pdf"
)

// now is 23 November 2026, 11:05 UTC: 14:05 in Moscow, 16:35 in Kolkata.
var now = time.Date(2026, 11, 23, 11, 5, 0, 0, time.UTC)

func russianCompany() *backend.Account {
	return &backend.Account{
		ID:      "acc-ru",
		Details: backend.AccountDetails{Type: backend.AccountCompany, CompanyName: "Romashka"},
		Profile: backend.CompanyProfile{
			Name:     "ООО «Ромашка»",
			Email:    "buh@romashka.ru",
			Phone:    "+74951234567",
			TimeZone: "Europe/Moscow",
			Requisites: backend.Requisites{
				Country:           "RU",
				INN:               "7707083893",
				KPP:               "773601001",
				OGRN:              "1027700132195",
				BIK:               "044525225",
				CorrAccount:       "30101810400000000225",
				SettlementAccount: "40702810938000012345",
				BankName:          "ПАО Сбербанк",
			},
			LegalAddress: backend.Address{Country: "RU", Postcode: "117997", Region: "Москва",
				City: "Москва", Line1: "ул. Вавилова, д. 19", Line2: "офис 7"},
			PostalSameAsLegal: true,
		},
	}
}

func russianSoleProprietor() *backend.Account {
	return &backend.Account{
		ID:      "acc-ip",
		Details: backend.AccountDetails{Type: backend.AccountIndividual, FirstName: "Иван", LastName: "Петров"},
		Profile: backend.CompanyProfile{
			Name:     "ИП Петров Иван Сергеевич",
			Email:    "petrov@example.ru",
			Phone:    "+79161234567",
			TimeZone: "Asia/Yekaterinburg",
			Requisites: backend.Requisites{
				Country:           "RU",
				INN:               "500100732259",
				KPP:               "773601001", // no KPP for a sole proprietor: not printed
				OGRN:              "304500116000157",
				BIK:               "044525225",
				CorrAccount:       "30101810400000000225",
				SettlementAccount: "40802810938000012345",
				BankName:          "ПАО Сбербанк",
			},
			LegalAddress: backend.Address{Country: "RU", Postcode: "141800", Region: "Московская область",
				City: "Дмитров", Line1: "ул. Профессиональная, д. 1"},
			PostalAddress: backend.Address{Country: "RU", Postcode: "141801", Region: "Московская область",
				City: "Дмитров", Line1: "а/я 15"},
		},
	}
}

func indianCompany() *backend.Account {
	return &backend.Account{
		ID:      "acc-in",
		Details: backend.AccountDetails{Type: backend.AccountCompany},
		Profile: backend.CompanyProfile{
			Name:     "Sharma Textiles Private Limited",
			Email:    "accounts@sharmatextiles.in",
			Phone:    "+912261234567",
			TimeZone: "Asia/Kolkata",
			Requisites: backend.Requisites{
				Country:     "IN",
				GSTIN:       "27AAPCS1234F1Z5",
				PAN:         "AAPCS1234F",
				IFSC:        "HDFC0000123",
				BankAccount: "50100123456789",
				BankName:    "HDFC Bank Ltd, Fort Branch",
			},
			LegalAddress: backend.Address{Country: "IN", Postcode: "400001", Region: "Maharashtra",
				City: "Mumbai", Line1: "12 Dalal Street", Line2: "3rd floor"},
			PostalAddress: backend.Address{Country: "IN", Postcode: "400013", Region: "Maharashtra",
				City: "Mumbai", Line1: "PO Box 4411, Lower Parel"},
		},
	}
}

func germanCompany() *backend.Account {
	return &backend.Account{
		ID:      "acc-de",
		Details: backend.AccountDetails{Type: backend.AccountCompany},
		Profile: backend.CompanyProfile{
			Name:     "Müller & Söhne Straßenbau GmbH",
			Email:    "rechnung@mueller-soehne.de",
			Phone:    "+493012345678",
			TimeZone: "Europe/Berlin",
			Requisites: backend.Requisites{
				Country:  "DE",
				VAT:      "DE123456789",
				IBAN:     "DE89370400440532013000",
				SWIFT:    "COBADEFFXXX",
				BankName: "Commerzbank AG, Filiale Köln",
			},
			LegalAddress: backend.Address{Country: "DE", Postcode: "50667", Region: "Nordrhein-Westfalen",
				City: "Köln", Line1: "Hohe Straße 52"},
			PostalSameAsLegal: true,
		},
	}
}

// pdftotext extracts the text of a PDF, keeping the layout.
func pdftotext(t *testing.T, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext not found: install Debian's poppler-utils (apt-get install poppler-utils); the tests read the PDFs with it")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// pages renders a PDF to PNGs with pdftoppm and returns their paths.
func pages(t *testing.T, doc []byte, dir, name string) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Fatalf("pdftoppm not found: install Debian's poppler-utils (apt-get install poppler-utils)")
	}
	path := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-png", "-r", "80", path, filepath.Join(dir, name)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, name+"*.png"))
	if len(pngs) == 0 {
		t.Fatalf("pdftoppm made no page of %s", name)
	}
	return pngs
}

// keepSamples copies the rendered pages to $PDF_SAMPLES (for people to
// look at) when it is set.
func keepSamples(t *testing.T, doc []byte, name string) {
	t.Helper()
	dir := os.Getenv("PDF_SAMPLES")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages(t, doc, dir, name)
}

var spaces = regexp.MustCompile(`\s+`)

// contains checks that want appears in text, however the layout spaced it.
func contains(t *testing.T, text string, want ...string) {
	t.Helper()
	flat := spaces.ReplaceAllString(text, " ")
	for _, w := range want {
		if !strings.Contains(flat, spaces.ReplaceAllString(w, " ")) {
			t.Errorf("%q is missing from the PDF text:\n%s", w, text)
		}
	}
}

func absent(t *testing.T, text string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(text, u) {
			t.Errorf("%q should not be in the PDF text:\n%s", u, text)
		}
	}
}

func newRenderer(t testing.TB) *pdf.Renderer {
	t.Helper()
	r, err := pdf.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func invoice(t *testing.T, r *pdf.Renderer, a *backend.Account, lang string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.InvoiceDetails(&buf, a, now, lang); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", buf.Bytes())
	}
	return buf.Bytes()
}

func TestInvoiceDetails(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name    string
		account *backend.Account
		lang    string
		want    []string
		absent  []string
	}{
		{"RussianCompany", russianCompany(), "ru", []string{
			"Реквизиты для счёта", "ООО «Ромашка»",
			"Компания", "buh@romashka.ru", "+7 495 123-45-67",
			"Страна регистрации", "Россия",
			"ИНН", "7707083893", "КПП", "773601001", "ОГРН", "1027700132195",
			"БИК", "044525225", "Корреспондентский счёт", "30101810400000000225",
			"Расчётный счёт", "40702810938000012345", "Банк", "ПАО Сбербанк",
			"Юридический адрес", "117997, Россия, Москва, Москва, ул. Вавилова, д. 19, офис 7",
			"Почтовый адрес", "Совпадает с юридическим адресом",
			"Составлено 23 ноября 2026, 14:05 (Europe/Moscow)",
			"Страница 1 из 1", "Gatehouse",
		}, []string{"IBAN", "GSTIN", "ОГРНИП", "VAT"}},
		{"RussianCompanyInEnglish", russianCompany(), "en", []string{
			"Invoice details", "ООО «Ромашка»", "Company",
			"Country of registration", "Russia", "INN", "KPP", "OGRN", "BIK",
			"Correspondent account", "Settlement account", "Bank", "ПАО Сбербанк",
			"Legal address", "117997, Russia, Москва, Москва, ул. Вавилова, д. 19, офис 7",
			"Postal address", "Same as legal address",
			"Issued 23 November 2026, 14:05 (Europe/Moscow)", "Page 1 of 1",
		}, []string{"OGRNIP"}},
		{"RussianSoleProprietor", russianSoleProprietor(), "ru", []string{
			"ИП Петров Иван Сергеевич", "Физическое лицо", "petrov@example.ru", "+7 916 123-45-67",
			"ИНН", "500100732259", "ОГРНИП", "304500116000157", "044525225",
			"30101810400000000225", "40802810938000012345", "ПАО Сбербанк",
			"141800, Россия, Московская область, Дмитров, ул. Профессиональная, д. 1",
			"141801, Россия, Московская область, Дмитров, а/я 15",
			"Составлено 23 ноября 2026, 16:05 (Asia/Yekaterinburg)",
		}, []string{"КПП", "773601001", "Совпадает"}},
		{"Indian", indianCompany(), "en", []string{
			"Sharma Textiles Private Limited", "Company", "accounts@sharmatextiles.in", "+91 22 6123 4567",
			"Country of registration", "India", "GSTIN", "27AAPCS1234F1Z5", "PAN", "AAPCS1234F",
			"IFSC", "HDFC0000123", "Bank account number", "50100123456789", "HDFC Bank Ltd, Fort Branch",
			"12 Dalal Street, 3rd floor", "Mumbai, Maharashtra, 400001",
			"PO Box 4411, Lower Parel", "Mumbai, Maharashtra, 400013",
			"Issued 23 November 2026, 16:35 (Asia/Kolkata)",
		}, []string{"INN", "IBAN", "Same as legal"}},
		{"IBANCountry", germanCompany(), "en", []string{
			"Müller & Söhne Straßenbau GmbH", "rechnung@mueller-soehne.de", "+49 30 12345678",
			"Germany", "VAT number", "DE123456789", "IBAN", "DE89 3704 0044 0532 0130 00",
			"SWIFT/BIC", "COBADEFFXXX", "Commerzbank AG, Filiale Köln",
			"Hohe Straße 52", "Köln, Nordrhein-Westfalen, 50667", "Same as legal address",
			"Issued 23 November 2026, 12:05 (Europe/Berlin)",
		}, []string{"INN", "GSTIN", "IFSC"}},
		{"IBANCountryInRussian", germanCompany(), "ru", []string{
			"Германия", "Номер плательщика НДС", "(VAT)", "DE123456789", "DE89 3704 0044 0532 0130 00",
			"SWIFT/BIC", "Составлено 23 ноября 2026, 12:05 (Europe/Berlin)",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := invoice(t, r, tt.account, tt.lang)
			text := pdftotext(t, doc)
			contains(t, text, tt.want...)
			absent(t, text, tt.absent...)
			if strings.Contains(text, "\uFFFD") {
				t.Errorf("a replacement character in:\n%s", text)
			}
			keepSamples(t, doc, "invoice-"+tt.name)
		})
	}
}

func TestInvoiceDetailsMissingGlyphs(t *testing.T) {
	r := newRenderer(t)
	a := germanCompany()
	a.Profile.Name = "株式会社 テスト Ромашка 😀 Ltd"
	a.Profile.Requisites.BankName = "みずほ銀行 Mizuho Bank ✓"
	a.Profile.LegalAddress.Line1 = "東京都 1-2-3 Marunouchi \u200b\U0001F1EF\U0001F1F5"
	doc := invoice(t, r, a, "en")
	text := pdftotext(t, doc)
	contains(t, text, "Ромашка", "Ltd", "Mizuho Bank", "1-2-3 Marunouchi", "DE89 3704 0044 0532 0130 00", "Page 1 of 1")
	// Every character the font lacks prints as the replacement character.
	contains(t, text, "���� ��� Ромашка � Ltd", "��� Mizuho Bank")
	absent(t, text, "株", "テ", "😀", "み")
	keepSamples(t, doc, "invoice-missing-glyphs")
}

func TestInvoiceDetailsDraft(t *testing.T) {
	r := newRenderer(t)
	a := &backend.Account{Details: backend.AccountDetails{Type: backend.AccountCompany, CompanyName: "Draft Ltd"}}
	text := pdftotext(t, invoice(t, r, a, "en"))
	contains(t, text, "Draft Ltd", "Issued 23 November 2026, 11:05 (UTC)", "Bank", "Legal address", "—", "Page 1 of 1")
}

func TestInvoiceDetailsLongValues(t *testing.T) {
	r := newRenderer(t)
	a := russianCompany()
	a.Profile.Name = strings.Repeat("Очень длинное название общества с ограниченной ответственностью ", 3)
	a.Profile.Requisites.BankName = strings.Repeat("Публичное акционерное общество «Сбербанк России», ", 4)
	a.Profile.Email = "a-very-long-mailbox-name-that-does-not-fit@an-equally-long-subdomain.romashka-holding.example.ru"
	a.Profile.LegalAddress.Line1 = strings.Repeat("улица Длинная, ", 20)
	doc := invoice(t, r, a, "ru")
	text := pdftotext(t, doc)
	contains(t, text, "Публичное акционерное общество «Сбербанк России»", "ИНН", "7707083893")
	keepSamples(t, doc, "invoice-long-values")
}

func TestInvoiceDetailsDeterministic(t *testing.T) {
	r := newRenderer(t)
	a, b := invoice(t, r, russianCompany(), "ru"), invoice(t, r, russianCompany(), "ru")
	if !bytes.Equal(a, b) {
		t.Error("the same account gave two different PDFs")
	}
}

// BenchmarkInvoiceDetails writes invoice details with one Renderer, as the
// batch export does, cycling through 1,000 companies; an op is one page
// (run it with -benchtime 1000x for exactly one batch).
func BenchmarkInvoiceDetails(b *testing.B) {
	r := newRenderer(b)
	accounts := make([]*backend.Account, 1000)
	for i := range accounts {
		switch i % 3 {
		case 0:
			accounts[i] = russianCompany()
		case 1:
			accounts[i] = indianCompany()
		default:
			accounts[i] = germanCompany()
		}
		accounts[i].Profile.Name += fmt.Sprintf(" %d", i)
	}
	var buf bytes.Buffer
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		buf.Reset()
		if err := r.InvoiceDetails(&buf, accounts[n%len(accounts)], now, "ru"); err != nil {
			b.Fatal(err)
		}
		size += buf.Len()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/page")
	b.ReportMetric(float64(size)/1024/float64(b.N), "KB/page")
}
