package imapmail_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
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

func (d *discardIntake) FileEmailed(_ context.Context, msgs []backend.EmailedMessage) ([]backend.IntakeResult, error) {
	results := make([]backend.IntakeResult, len(msgs))
	for i, m := range msgs {
		results[i].CaseRef = caseRef
		for _, f := range m.Files {
			n, err := io.Copy(io.Discard, f.Body)
			if err != nil {
				return nil, err
			}
			d.bytes += n
		}
	}
	return results, nil
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

// BenchmarkIntakeIntoStore is the figure: 1,000 messages, each
// with a small PDF or JPEG of its own from one of ten verified customers,
// fetched from a loopback IMAP server and filed by the real KYC store (a
// SQLite file) into the real vault, then flagged and moved. The messages
// are appended outside the timer.
//
//	go test -run '^$' -bench IntakeIntoStore -benchtime 10x ./backend/imapmail/
func BenchmarkIntakeIntoStore(b *testing.B) {
	const perRound, senders = 1000, 10
	ctx := context.Background()
	st := newRealStore(b)
	st.register(b, "root@gatehouse.test") // the first user is the admin, not a customer
	from := make([]string, senders)
	for i := range from {
		from[i] = fmt.Sprintf("customer%d@example.com", i)
		st.customer(b, from[i])
	}
	srv := newServer(b, serverOptions{})
	w := imapmail.New(srv.config(), st.kyc, quietLog())
	defer w.Close()
	if _, err := w.ProcessOnce(ctx); err != nil { // connect, make the folders
		b.Fatal(err)
	}
	var total time.Duration
	b.ResetTimer()
	for round := range b.N {
		b.StopTimer()
		for i := range perRound {
			// Every file differs, as real scans do: the vault stores each.
			n := round*perRound + i
			file := attachment{Name: "pan.pdf", Type: "application/pdf", Data: numberedPDF(n)}
			if i%2 == 1 {
				file = attachment{Name: "passport.jpg", Type: "image/jpeg", Data: numberedJPEG(b, n)}
			}
			raw := buildMessage(b, from[i%senders], "my documents", fmt.Sprintf("store-%d@example.com", n), file)
			if _, err := srv.User.Append(inbox, bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		srv.User.Delete(processed)
		srv.User.Create(processed, nil)
		b.StartTimer()
		start := time.Now()
		stats, err := w.ProcessOnce(ctx)
		total += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if stats.Filed != perRound {
			b.Fatalf("filed %d of %d (%+v)", stats.Filed, perRound, stats)
		}
	}
	b.StopTimer()
	var docs, files int
	st.raw.QueryRow(`SELECT count(*) FROM kyc_documents WHERE source = 'email'`).Scan(&docs)
	st.raw.QueryRow(`SELECT count(DISTINCT sha256) FROM kyc_files`).Scan(&files)
	if docs != perRound*b.N || files != perRound*b.N {
		b.Fatalf("%d documents and %d distinct files for %d messages", docs, files, perRound*b.N)
	}
	b.ReportMetric(float64(perRound*b.N)/total.Seconds(), "msgs/s")
	b.ReportMetric(float64(total.Nanoseconds())/float64(perRound*b.N), "ns/msg")
}

// numberedPDF is minimalPDF with a comment that makes its content unique.
func numberedPDF(n int) []byte {
	return fmt.Appendf(minimalPDF(), "%% scan %d\n", n)
}

// numberedJPEG is a real 8x8 JPEG whose pixels spell n in black and white.
func numberedJPEG(t testing.TB, n int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for bit := range 32 {
		if n>>bit&1 == 1 {
			img.SetGray(bit%8, bit/8, color.Gray{Y: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
