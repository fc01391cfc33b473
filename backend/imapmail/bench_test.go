package imapmail_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"gatehouse/backend"
	"gatehouse/backend/imapmail"
)

// discardIntake reads every attachment to the end and files it nowhere:
// what is left to measure is IMAP, MIME and the watcher.
type discardIntake struct{ bytes int64 }

func (d *discardIntake) FileEmailed(_ context.Context, _, _, _ string, files []backend.UploadFile) (string, error) {
	for _, f := range files {
		n, err := io.Copy(io.Discard, f.Body)
		if err != nil {
			return "", err
		}
		d.bytes += n
	}
	return caseRef, nil
}

// BenchmarkIntake files 1,000 messages, each with a small PDF, from a
// loopback IMAP server: ProcessOnce end to end (fetch, parse, intake,
// flag, move). The messages are appended outside the timer.
//
//	go test -run '^$' -bench Intake -benchtime 20x ./backend/imapmail/
func BenchmarkIntake(b *testing.B) {
	const perRound = 1000
	srv := newServer(b, serverOptions{})
	pdf := minimalPDF()
	raws := make([][]byte, perRound)
	for i := range raws {
		raws[i] = buildMessage(b, customer, caseRef, fmt.Sprintf("bench-%d@customer.test", i),
			attachment{Name: "pan.pdf", Type: "application/pdf", Data: pdf})
	}
	intake := &discardIntake{}
	w := imapmail.New(srv.config(), intake, quietLog())
	defer w.Close()
	if _, err := w.ProcessOnce(context.Background()); err != nil { // connect, make the folders
		b.Fatal(err)
	}
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for _, raw := range raws {
			if _, err := srv.User.Append(inbox, bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		// Empty the processed folder so rounds do not slow each other.
		srv.User.Delete(processed)
		srv.User.Create(processed, nil)
		b.StartTimer()
		start := time.Now()
		stats, err := w.ProcessOnce(context.Background())
		total += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if stats.Filed != perRound {
			b.Fatalf("filed %d of %d", stats.Filed, perRound)
		}
	}
	b.ReportMetric(float64(perRound*b.N)/total.Seconds(), "msgs/s")
	b.ReportMetric(float64(total.Nanoseconds())/float64(perRound*b.N), "ns/msg")
}
