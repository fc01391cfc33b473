package xlsx_test

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
)

// generated yields n employee rows made on the fly, so that the rows
// themselves take no memory.
func generated(n int) backend.RowIterator {
	i := 0
	base := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	max := 25
	return func() (backend.EmployeeRow, bool, error) {
		if i == n {
			return backend.EmployeeRow{}, false, nil
		}
		i++
		id := strconv.Itoa(i)
		r := backend.EmployeeRow{
			AccountName: "Company " + strconv.Itoa(i/50),
			Name:        "Employee Number " + id,
			Email:       "employee" + id + "@example.com",
			Phone:       "+7912" + strconv.Itoa(1000000+i%9000000),
			Role:        "operator",
			Status:      "active",
			CreatedAt:   base.Add(time.Duration(i) * time.Minute),
		}
		if i%3 == 0 {
			r.MaxDialogs = &max
		}
		return r, true, nil
	}
}

// writeBare writes the same rows with a bare excelize StreamWriter: no
// styles, widths, frozen header or filter. Its dates are excelize's
// default date cells.
func writeBare(w io.Writer, loc *time.Location, next backend.RowIterator) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	header := make([]any, len(backend.EmployeeColumns))
	for i, c := range backend.EmployeeColumns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for line := 2; ; line++ {
		r, ok, err := next()
		if err != nil || !ok {
			break
		}
		var max any
		if r.MaxDialogs != nil {
			max = *r.MaxDialogs
		}
		cell, _ := excelize.CoordinatesToCellName(1, line)
		if err := sw.SetRow(cell, []any{r.AccountName, r.Name, r.Email, r.Phone, r.Role, r.Status, max, r.CreatedAt.In(loc)}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// BenchmarkWriteEmployees writes 100,000 rows with WriteEmployees and with
// a bare StreamWriter in the same iteration, alternating which goes first,
// and reports the ratio of their times (target: at most 1.2).
func BenchmarkWriteEmployees(b *testing.B) {
	const rows = 100_000
	s := newSheets(b)
	loc, _ := time.LoadLocation("Europe/Moscow")
	var ours, bare time.Duration
	var size int64
	for i := 0; i < b.N; i++ {
		runOurs := func() {
			var cw countingWriter
			start := time.Now()
			if err := s.WriteEmployees(&cw, loc, generated(rows)); err != nil {
				b.Fatal(err)
			}
			ours += time.Since(start)
			size = cw.n
		}
		runBare := func() {
			start := time.Now()
			if err := writeBare(io.Discard, loc, generated(rows)); err != nil {
				b.Fatal(err)
			}
			bare += time.Since(start)
		}
		if i%2 == 0 {
			runOurs()
			runBare()
		} else {
			runBare()
			runOurs()
		}
	}
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "ms/export")
	b.ReportMetric(float64(bare.Milliseconds())/float64(b.N), "ms/bare")
	b.ReportMetric(float64(ours)/float64(bare), "x-bare")
	b.ReportMetric(float64(size)/(1<<20), "MB-file")
}

// BenchmarkWriteEmployeesMemory writes 100,000 and 1,000,000 rows and
// reports the peak heap in use while each is written, sampled every
// millisecond (target: the million's peak at most 1.2x the 100,000's).
func BenchmarkWriteEmployeesMemory(b *testing.B) {
	s := newSheets(b)
	loc, _ := time.LoadLocation("Europe/Moscow")
	peak := func(rows int) uint64 {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop, done := make(chan struct{}), make(chan uint64)
		go func() {
			var m runtime.MemStats
			var top uint64
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&m)
				top = max(top, m.HeapInuse)
				select {
				case <-stop:
					done <- top
					return
				case <-t.C:
				}
			}
		}()
		if err := s.WriteEmployees(io.Discard, loc, generated(rows)); err != nil {
			b.Fatal(err)
		}
		close(stop)
		return <-done
	}
	var small, large uint64
	for i := 0; i < b.N; i++ {
		small = max(small, peak(100_000))
		large = max(large, peak(1_000_000))
	}
	b.ReportMetric(float64(small)/(1<<20), "MB-peak-100k")
	b.ReportMetric(float64(large)/(1<<20), "MB-peak-1M")
	b.ReportMetric(float64(large)/float64(small), "x-1M/100k")
}

// BenchmarkReadEmployees reads back an export of 100,000 rows, as .xlsx
// and as CSV.
func BenchmarkReadEmployees(b *testing.B) {
	const rows = 100_000
	s := newSheets(b)
	s.MaxUnzippedBytes = 1 << 30
	var book bytes.Buffer
	if err := s.WriteEmployees(&book, time.UTC, generated(rows)); err != nil {
		b.Fatal(err)
	}
	var csv bytes.Buffer
	csv.WriteString("Name;Email;Phone;Role;Max dialogs\n")
	next := generated(rows)
	for r, ok, _ := next(); ok; r, ok, _ = next() {
		csv.WriteString(r.Name + ";" + r.Email + ";" + r.Phone + ";" + r.Role + ";\n")
	}
	for _, in := range []struct {
		name string
		data []byte
	}{{"xlsx", book.Bytes()}, {"csv", csv.Bytes()}} {
		b.Run(in.name, func(b *testing.B) {
			b.ReportMetric(float64(len(in.data))/(1<<20), "MB-file")
			for i := 0; i < b.N; i++ {
				got, err := s.ReadEmployees(bytes.NewReader(in.data), "in", rows)
				if err != nil || len(got) != rows {
					b.Fatalf("got %d rows, %v", len(got), err)
				}
			}
		})
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
