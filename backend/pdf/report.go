package pdf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/backend"
)

var monthsNominative = [...]string{"Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
	"Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"}

// The chart's series.
var (
	colorSignUps       = rgb{34, 139, 230}
	colorVerifications = rgb{18, 184, 134}
	colorApprovals     = rgb{247, 103, 7}
)

// MonthlyReport writes a month's onboarding report as an A4 PDF: the
// month's totals, a chart of sign-ups, verifications and KYC approvals by
// day, and the figures of each field agent. lang "ru" writes it in
// Russian, anything else in English. Errors are internal (writing to w).
func (r *Renderer) MonthlyReport(w io.Writer, rep *backend.MonthlyReport, lang string) error {
	if rep == nil {
		return errors.New("monthly report: no report")
	}
	loc, zone := r.location(rep.TimeZone)
	ru := russian(lang)
	period := strconv.Itoa(rep.Year)
	if rep.Month >= 1 && rep.Month <= 12 {
		if ru {
			period = monthsNominative[rep.Month-1] + " " + period
		} else {
			period = time.Month(rep.Month).String() + " " + period
		}
	}
	title := "Monthly report"
	if ru {
		title = "Ежемесячный отчёт"
	}
	err := r.render(w, lang, title+": "+period, rep.Made, func(d *doc) {
		d.running = title + " · " + period + " · " + zone
		d.title(title, period+" · "+zone)
		if !rep.Made.IsZero() {
			d.y += 5.5
			d.text(marginX, d.y, d.clean(d.tr("Made ", "Сформирован ")+d.dateTime(rep.Made.In(loc))+" ("+zone+")"), regular, 8.5, muted)
		}
		d.section(d.tr("Totals", "Итоги месяца"))
		d.totals(rep.Totals)
		d.section(d.tr("By day", "По дням"))
		d.chart(rep)
		d.section(d.tr("By field agent", "По агентам"))
		d.agents(rep)
	})
	if err != nil {
		return fmt.Errorf("monthly report: %w", err)
	}
	return nil
}

// number prints n with thousands grouped: 12,345 or 12 345.
func (d *doc) number(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := d.tr(",", "\u00A0")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// hours prints a median time in hours, or a dash when there is none.
func (d *doc) hours(h float64) string {
	if h <= 0 || math.IsNaN(h) || math.IsInf(h, 0) {
		return "—"
	}
	s := strconv.FormatFloat(h, 'f', 1, 64)
	if d.ru {
		return strings.Replace(s, ".", ",", 1) + "\u00A0ч"
	}
	return s + "\u00A0h"
}

// totals writes the month's figures as a grid of cards.
func (d *doc) totals(m backend.ReportMetrics) {
	cards := []struct{ label, value string }{
		{d.tr("Sign-ups", "Регистрации"), d.number(m.SignUps)},
		{d.tr("Verifications", "Подтверждения"), d.number(m.Verifications)},
		{d.tr("Profiles completed", "Заполненные профили"), d.number(m.ProfilesCompleted)},
		{d.tr("KYC submitted", "KYC отправлено"), d.number(m.KYCSubmitted)},
		{d.tr("KYC approved", "KYC одобрено"), d.number(m.KYCApproved)},
		{d.tr("KYC rejected", "KYC отклонено"), d.number(m.KYCRejected)},
		{d.tr("Median time from sign-up to approval", "Медиана от регистрации до одобрения"), d.hours(m.MedianHoursToApproval)},
	}
	const (
		cols = 4
		gap  = 4.0
		cw   = (contentW - gap*(cols-1)) / cols
		ch   = 21.0
	)
	d.y += 1
	for i, c := range cards {
		col, row := i%cols, i/cols
		if col == 0 && row > 0 {
			d.y += ch + gap
		}
		if col == 0 {
			d.ensureRoom(ch)
		}
		x := marginX + float64(col)*(cw+gap)
		span := cw
		if i == len(cards)-1 {
			span = contentW - float64(col)*(cw+gap) // the last card takes the rest of its row
		}
		d.roundRect(x, d.y, span, ch, 1.5, shade)
		for k, l := range d.wrap(c.label, regular, 8, span-6) {
			if k == 2 {
				break
			}
			d.text(x+3, d.y+5+float64(k)*lineHeight(8), l, regular, 8, muted)
		}
		d.text(x+3, d.y+ch-4, d.clean(c.value), bold, 16, ink)
	}
	d.y += ch
}

// niceScale chooses the top of a count axis and its step: a step of 1, 2
// or 5 times a power of ten, about four steps to the top.
func niceScale(max int) (top, step int) {
	if max <= 0 {
		return 4, 1
	}
	raw := float64(max) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 1
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = int(math.Max(1, m*mag))
			break
		}
	}
	top = (max + step - 1) / step * step
	return top, step
}

// chart draws sign-ups, verifications and KYC approvals by day as grouped
// bars, with a legend, a count axis and the days of the month.
func (d *doc) chart(rep *backend.MonthlyReport) {
	days := len(rep.Days)
	if rep.Month >= 1 && rep.Month <= 12 && rep.Year > 0 {
		days = time.Date(rep.Year, time.Month(rep.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	}
	for _, day := range rep.Days {
		days = max(days, day.Day)
	}
	if days == 0 {
		days = 31
	}
	byDay := make([][3]int, days+1)
	most := 0
	for _, day := range rep.Days {
		if day.Day < 1 || day.Day > days {
			continue
		}
		v := &byDay[day.Day]
		v[0] += day.SignUps
		v[1] += day.Verifications
		v[2] += day.KYCApproved
		most = max(most, v[0], v[1], v[2])
	}
	series := []struct {
		name  string
		color rgb
	}{
		{d.tr("Sign-ups", "Регистрации"), colorSignUps},
		{d.tr("Verifications", "Подтверждения"), colorVerifications},
		{d.tr("KYC approvals", "Одобрения KYC"), colorApprovals},
	}

	const (
		plotH   = 58.0
		axisW   = 11.0
		legendH = 8.0
		labelsH = 7.0
	)
	d.ensureRoom(legendH + plotH + labelsH + 2)
	// Legend.
	x := marginX + axisW
	d.y += 4
	for _, s := range series {
		name := d.clean(s.name)
		d.roundRect(x, d.y-2.4, 2.8, 2.8, 0.5, s.color)
		d.text(x+4.2, d.y, name, regular, 8, ink)
		x += 4.2 + d.width(name, regular, 8) + 7
	}
	top := d.y + legendH - 2
	x0, x1 := marginX+axisW, pageW-marginX
	base := top + plotH
	maxV, step := niceScale(most)

	// Count axis and grid; with no data, the axis alone.
	if most == 0 {
		maxV = 0
	}
	for v := 0; v <= maxV; v += step {
		y := base - float64(v)/float64(max(maxV, 1))*plotH
		c, lw := rule, 0.2
		if v == 0 {
			c, lw = muted, 0.3
		}
		d.line(x0, y, x1, y, lw, c)
		d.textRight(x0-2, y+1, d.clean(d.number(v)), regular, 7, muted)
	}
	// Bars.
	slot := (x1 - x0) / float64(days)
	group := slot * 0.8
	bar := group / 3
	for day := 1; day <= days; day++ {
		gx := x0 + float64(day-1)*slot + (slot-group)/2
		for s, v := range byDay[day] {
			if v <= 0 {
				continue
			}
			h := float64(v) / float64(maxV) * plotH
			d.rect(gx+float64(s)*bar, base-h, bar*0.92, h, series[s].color)
		}
	}
	// Days of the month: every one when they fit, else every other.
	every := 1
	if slot < d.width("31", regular, 6.5)+1 {
		every = 2
	}
	for day := 1; day <= days; day += every {
		d.textCenter(x0+(float64(day)-0.5)*slot, base+4, strconv.Itoa(day), regular, 6.5, muted)
	}
	if most == 0 {
		d.textCenter((x0+x1)/2, top+plotH/2, d.clean(d.tr("No sign-ups, verifications or approvals this month",
			"В этом месяце не было регистраций, подтверждений и одобрений")), regular, 9, muted)
	}
	d.y = base + labelsH
}

// agents writes the table of figures by field agent, with the month's
// totals as its last row.
func (d *doc) agents(rep *backend.MonthlyReport) {
	const (
		size     = 9.0
		headSize = 7.0
		pad      = 2.0
		cellPad  = 1.5
		minNameW = 36.0
		maxNameW = 50.0
	)
	// Soft hyphens (\u00AD) say where a heading may break a long word.
	heads := []string{
		d.tr("Field agent", "Агент"),
		d.tr("Sign-ups", "Регист\u00ADрации"),
		d.tr("Verifi\u00ADcations", "Подтвер\u00ADждения"),
		d.tr("Profiles completed", "Запол\u00ADненные профили"),
		d.tr("KYC sub\u00ADmitted", "KYC отправ\u00ADлено"),
		d.tr("KYC ap\u00ADproved", "KYC одоб\u00ADрено"),
		d.tr("KYC re\u00ADjected", "KYC откло\u00ADнено"),
		d.tr("Median to ap\u00ADproval", "Медиана до одоб\u00ADрения"),
	}
	// A figure's column is at least as wide as its widest figure and the
	// longest piece of its heading. The agent's name takes the rest, but
	// gives some to columns whose headings then need not break a word,
	// and beyond maxNameW widens them all.
	widths := make([]float64, len(heads))
	for _, m := range append([]backend.ReportMetrics{rep.Totals}, agentMetrics(rep)...) {
		for i, v := range d.figures(m) {
			widths[i+1] = max(widths[i+1], d.width(d.clean(v), regular, size))
		}
	}
	hyphen := d.width("-", bold, headSize)
	whole := make([]float64, len(heads))
	sum := 0.0
	for i, h := range heads[1:] {
		whole[i+1] = widths[i+1]
		for _, word := range strings.Fields(h) {
			pieces := strings.Split(word, "\u00AD")
			for k, p := range pieces {
				w := d.width(d.clean(p), bold, headSize)
				if k < len(pieces)-1 {
					w += hyphen
				}
				widths[i+1] = max(widths[i+1], w)
			}
			whole[i+1] = max(whole[i+1], d.width(d.clean(strings.ReplaceAll(word, "\u00AD", "")), bold, headSize))
		}
		widths[i+1] += 2*cellPad + 0.5
		whole[i+1] += 2*cellPad + 0.5
		sum += widths[i+1]
	}
	widths[0] = contentW - sum
	byDeficit := make([]int, 0, len(heads)-1)
	for i := 1; i < len(heads); i++ {
		byDeficit = append(byDeficit, i)
	}
	sort.Slice(byDeficit, func(a, b int) bool {
		return whole[byDeficit[a]]-widths[byDeficit[a]] < whole[byDeficit[b]]-widths[byDeficit[b]]
	})
	for _, i := range byDeficit {
		if need := whole[i] - widths[i]; need > 0 && widths[0]-need >= minNameW {
			widths[i] += need
			widths[0] -= need
		}
	}
	if extra := widths[0] - maxNameW; extra > 0 {
		widths[0] = maxNameW
		for i := range widths[1:] {
			widths[i+1] += extra / float64(len(widths)-1)
		}
	}
	cols := make([]struct {
		head string
		w    float64
	}, len(heads))
	for i := range cols {
		cols[i].head, cols[i].w = heads[i], widths[i]
	}
	lh := lineHeight(size)

	header := func() {
		heads := make([][]string, len(cols))
		n := 1
		for i, c := range cols {
			heads[i] = d.wrap(c.head, bold, headSize, c.w-2*cellPad)
			n = max(n, len(heads[i]))
		}
		h := 2*pad + float64(n-1)*lineHeight(headSize) + headSize*mmPerPt
		d.ensureRoom(h + 3*lh)
		d.rect(marginX, d.y, contentW, h, shade)
		x := marginX
		for i, c := range cols {
			for k, l := range heads[i] {
				y := d.y + pad + ascent(headSize) + float64(k)*lineHeight(headSize)
				if i == 0 {
					d.text(x+cellPad, y, l, bold, headSize, muted)
				} else {
					d.textRight(x+c.w-cellPad, y, l, bold, headSize, muted)
				}
			}
			x += c.w
		}
		d.y += h
	}
	line := func(name string, m backend.ReportMetrics, st style) {
		names := d.wrap(name, st, size, cols[0].w-2*cellPad)
		h := 2*pad + float64(len(names)-1)*lh + size*mmPerPt
		if d.ensureRoom(h) {
			header()
		}
		y := d.y + pad + ascent(size)
		for k, l := range names {
			d.text(marginX+cellPad, y+float64(k)*lh, l, st, size, ink)
		}
		x := marginX + cols[0].w
		for i, v := range d.figures(m) {
			c := cols[i+1]
			d.textRight(x+c.w-cellPad, y, d.clean(v), st, size, ink)
			x += c.w
		}
		d.y += h
	}

	header()
	if len(rep.ByAgent) == 0 {
		d.y += pad + ascent(size)
		d.text(marginX+cellPad, d.y, d.clean(d.tr("No field agent activity this month", "В этом месяце агенты не работали")), regular, size, muted)
		d.y += pad + 1
		d.line(marginX, d.y, pageW-marginX, d.y, 0.2, rule)
	}
	for _, a := range rep.ByAgent {
		name := a.Agent
		switch {
		case a.Source == backend.ReportSelf:
			name = d.tr("Self sign-up", "Самостоятельная регистрация")
		case a.Source == backend.ReportOffice:
			name = d.tr("Back office", "Бэк-офис")
		case strings.TrimSpace(name) == "":
			name = a.AgentID
		}
		line(name, a.ReportMetrics, regular)
		d.line(marginX, d.y, pageW-marginX, d.y, 0.2, rule)
	}
	d.line(marginX, d.y, pageW-marginX, d.y, 0.4, muted)
	line(d.tr("Total", "Итого"), rep.Totals, bold)
}

// figures are the columns of a line of the agents' table.
func (d *doc) figures(m backend.ReportMetrics) []string {
	return []string{d.number(m.SignUps), d.number(m.Verifications), d.number(m.ProfilesCompleted),
		d.number(m.KYCSubmitted), d.number(m.KYCApproved), d.number(m.KYCRejected), d.hours(m.MedianHoursToApproval)}
}

func agentMetrics(rep *backend.MonthlyReport) []backend.ReportMetrics {
	ms := make([]backend.ReportMetrics, len(rep.ByAgent))
	for i, a := range rep.ByAgent {
		ms[i] = a.ReportMetrics
	}
	return ms
}
