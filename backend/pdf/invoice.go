package pdf

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"gatehouse/backend"
)

// InvoiceDetails writes the invoice details of an account as an A4 PDF:
// the company's name, its contacts, the requisites of its country, its
// addresses and the time of writing (now) in the company's time zone, or
// in now's own zone while the profile has none (the caller's choice: the
// exporter's zone, say). lang
// "ru" writes it in Russian, anything else in English. Fields not filled in
// yet print as a dash, so a draft profile still gives a page. Errors are
// internal (writing to w).
func (r *Renderer) InvoiceDetails(w io.Writer, a *backend.Account, now time.Time, lang string) error {
	if a == nil {
		return errors.New("invoice details: no account")
	}
	p := &a.Profile
	loc, zone := now.Location(), now.Location().String()
	if p.TimeZone != "" {
		loc, zone = r.location(p.TimeZone)
	}
	title := "Invoice details"
	if russian(lang) {
		title = "Реквизиты для счёта"
	}
	name := companyName(a)
	err := r.render(w, lang, title+": "+name, now, func(d *doc) {
		d.running = title + " · " + name
		d.title(title, "")
		d.y += 9
		for i, l := range d.wrap(name, bold, 16, contentW) {
			if i > 0 {
				d.y += lineHeight(16)
			}
			d.text(marginX, d.y, l, bold, 16, ink)
		}
		d.y += 6
		d.text(marginX, d.y, d.clean(d.tr("Issued ", "Составлено ")+d.dateTime(now.In(loc))+" ("+zone+")"), regular, 9, muted)
		d.y += 3

		d.section(d.tr("General", "Общие сведения"))
		typ := a.Details.Type
		d.table([]row{
			{d.tr("Type", "Тип"), d.accountType(typ)},
			{d.tr("Email", "Электронная почта"), p.Email},
			{d.tr("Phone", "Телефон"), formatPhone(p.Phone)},
		})

		d.section(d.tr("Tax and bank details", "Реквизиты"))
		d.table(d.requisites(p.Requisites, typ))

		d.section(d.tr("Addresses", "Адреса"))
		postal := d.address(p.PostalAddress)
		if p.PostalSameAsLegal {
			postal = d.tr("Same as legal address", "Совпадает с юридическим адресом")
		}
		d.table([]row{
			{d.tr("Legal address", "Юридический адрес"), d.address(p.LegalAddress)},
			{d.tr("Postal address", "Почтовый адрес"), postal},
		})
	})
	if err != nil {
		return fmt.Errorf("invoice details: %w", err)
	}
	return nil
}

func companyName(a *backend.Account) string {
	for _, s := range []string{a.Profile.Name, a.Details.CompanyName,
		strings.TrimSpace(a.Details.FirstName + " " + a.Details.LastName)} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return "—"
}

// location is the zone called name, or UTC when there is none or it is
// unknown (profiles check the name when they are saved). Zones are kept:
// loading one parses the time zone database.
func (r *Renderer) location(name string) (*time.Location, string) {
	if name == "" {
		return time.UTC, "UTC"
	}
	if loc, ok := r.zones[name]; ok {
		return loc, name
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC, "UTC"
	}
	if r.zones == nil {
		r.zones = map[string]*time.Location{}
	}
	r.zones[name] = loc
	return loc, name
}

func (d *doc) accountType(t string) string {
	switch t {
	case backend.AccountCompany:
		return d.tr("Company", "Компания")
	case backend.AccountIndividual:
		return d.tr("Individual", "Физическое лицо")
	}
	return t
}

// requisites lists the fields of the requisites' country. Until the
// country is chosen, every field that has a value is shown.
func (d *doc) requisites(q backend.Requisites, typ string) []row {
	country := strings.ToUpper(strings.TrimSpace(q.Country))
	unknown := country == ""
	ru := country == "RU" || unknown
	in := country == "IN" || unknown
	other := (country != "RU" && country != "IN") || unknown
	rows := []row{{d.tr("Country of registration", "Страна регистрации"), d.countryName(country)}}
	add := func(show bool, label, value string) {
		if show && (!unknown || value != "") {
			rows = append(rows, row{label, value})
		}
	}
	add(ru, d.tr("INN", "ИНН"), q.INN)
	add(ru && typ != backend.AccountIndividual, d.tr("KPP", "КПП"), q.KPP)
	if typ == backend.AccountIndividual {
		add(ru, d.tr("OGRNIP", "ОГРНИП"), q.OGRN)
	} else {
		add(ru, d.tr("OGRN", "ОГРН"), q.OGRN)
	}
	add(ru, d.tr("BIK", "БИК"), q.BIK)
	add(ru, d.tr("Correspondent account", "Корреспондентский счёт"), q.CorrAccount)
	add(ru, d.tr("Settlement account", "Расчётный счёт"), q.SettlementAccount)
	add(in, "GSTIN", q.GSTIN)
	add(in, "PAN", q.PAN)
	add(in, "IFSC", q.IFSC)
	add(in, d.tr("Bank account number", "Номер банковского счёта"), q.BankAccount)
	add(other, d.tr("VAT number", "Номер плательщика НДС (VAT)"), q.VAT)
	add(other, "IBAN", groupIBAN(q.IBAN))
	add(other, "SWIFT/BIC", q.SWIFT)
	rows = append(rows, row{d.tr("Bank", "Банк"), q.BankName})
	return rows
}

// groupIBAN prints an IBAN in groups of four, its paper form (ISO 13616).
func groupIBAN(s string) string {
	if strings.ContainsRune(s, ' ') {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d *doc) countryName(code string) string {
	if code == "" {
		return ""
	}
	reg, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	names := display.English.Regions()
	if d.ru {
		names = display.Russian.Regions()
	}
	if n := names.Name(reg); n != "" {
		return n
	}
	return code
}

// address prints an address on lines: Russian ones in their own order
// (postcode, country, region, city, street), others street first.
func (d *doc) address(a backend.Address) string {
	join := func(sep string, parts ...string) string {
		var keep []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				keep = append(keep, p)
			}
		}
		return strings.Join(keep, sep)
	}
	country := d.countryName(strings.ToUpper(a.Country))
	if strings.EqualFold(a.Country, "RU") {
		return join(", ", a.Postcode, country, a.Region, a.City, a.Line1, a.Line2)
	}
	return join("\n", join(", ", a.Line1, a.Line2), join(", ", a.City, a.Region, a.Postcode), country)
}

func formatPhone(e164 string) string {
	if e164 == "" {
		return ""
	}
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

var monthsGenitive = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня",
	"июля", "августа", "сентября", "октября", "ноября", "декабря"}

// dateTime prints "23 November 2026, 14:05" or "23 ноября 2026, 14:05".
func (d *doc) dateTime(t time.Time) string {
	month := t.Month().String()
	if d.ru {
		month = monthsGenitive[t.Month()-1]
	}
	return fmt.Sprintf("%d %s %d, %02d:%02d", t.Day(), month, t.Year(), t.Hour(), t.Minute())
}

// row is a line of a two-column table.
type row struct{ label, value string }

// table writes rows of label and value, the value wrapping, with a rule
// between rows. An empty value prints as a dash.
func (d *doc) table(rows []row) {
	const (
		labelW    = 52.0
		gap       = 4.0
		valueX    = marginX + labelW + gap
		valueW    = contentW - labelW - gap
		size      = 10.0
		labelSize = 9.0
		pad       = 2.4
	)
	lh := lineHeight(size)
	d.line(marginX, d.y, pageW-marginX, d.y, 0.3, rule)
	for _, rw := range rows {
		labels := d.wrap(rw.label, regular, labelSize, labelW)
		values, color := d.wrap(rw.value, regular, size, valueW), ink
		if strings.TrimSpace(rw.value) == "" {
			values, color = []string{"—"}, muted
		}
		n := max(len(labels), len(values))
		h := 2*pad + float64(n-1)*lh + size*mmPerPt
		if d.ensureRoom(h) {
			d.line(marginX, d.y, pageW-marginX, d.y, 0.3, rule)
		}
		base := d.y + pad + ascent(size)
		for i, l := range labels {
			d.text(marginX, base+float64(i)*lh, l, regular, labelSize, muted)
		}
		for i, l := range values {
			d.text(valueX, base+float64(i)*lh, l, regular, size, color)
		}
		d.y += h
		d.line(marginX, d.y, pageW-marginX, d.y, 0.2, rule)
	}
}
