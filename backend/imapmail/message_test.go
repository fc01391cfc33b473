package imapmail_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"gatehouse/backend"
	"gatehouse/backend/imapmail"
)

// appleStyle is how phones and desktop clients really send documents:
// text and HTML alternatives, an inline picture with a file name, a file
// named only in Content-Type, an RFC 2231 Cyrillic name, an encoded-word
// name in windows-1251, a hostile path, and an S/MIME signature.
func appleStyle(pdf, png []byte) []byte {
	b64 := func(data []byte) string {
		s := base64.StdEncoding.EncodeToString(data)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		out.WriteString(s + "\r\n")
		return out.String()
	}
	return []byte("From: =?utf-8?q?Pri=C3=BFa?= <Priya@Customer.TEST>\r\n" +
		"To: kyc@gatehouse.test\r\n" +
		"Subject: =?utf-8?b?0JTQvtC60YPQvNC10L3RgtGLIEtZQy03UVgyUEE=?=\r\n" +
		"Message-ID: <apple-1@customer.test>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n" +
		"\r\n" +
		"--sig\r\n" +
		"Content-Type: multipart/mixed; boundary=\"mix\"\r\n" +
		"\r\n" +
		"--mix\r\n" +
		"Content-Type: multipart/alternative; boundary=\"alt\"\r\n" +
		"\r\n" +
		"--alt\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Here they are.\r\n" +
		"--alt\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"\r\n" +
		"<p>Here they are.</p>\r\n" +
		"--alt--\r\n" +
		"--mix\r\n" +
		"Content-Type: image/png\r\n" +
		"Content-Disposition: inline; filename=\"IMG_0001.PNG\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" + b64(png) +
		"--mix\r\n" +
		"Content-Type: application/pdf; name=\"from-content-type.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" + b64(pdf) +
		"--mix\r\n" +
		"Content-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename*=UTF-8''%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" + b64(pdf) +
		"--mix\r\n" +
		"Content-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename=\"=?windows-1251?b?yO3t?=.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" + b64(pdf) +
		"--mix\r\n" +
		"Content-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename=\"..\\\\..\\\\Windows\\\\evil.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" + b64(pdf) +
		"--mix\r\n" +
		"Content-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=\"invoice\u202Efdp.exe\"\r\n" +
		"\r\n" +
		"MZ\r\n" +
		"--mix--\r\n" +
		"--sig\r\n" +
		"Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n" +
		"Content-Disposition: attachment; filename=\"smime.p7s\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAA==\r\n" +
		"--sig--\r\n")
}

func TestParseMessage(t *testing.T) {
	pdf, png := minimalPDF(), tinyPNG(t)

	t.Run("ClientsInTheWild", func(t *testing.T) {
		raw := appleStyle(pdf, png)
		m, err := imapmail.ParseMessage(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if m.Problem != nil {
			t.Fatalf("problem: %v", m.Problem)
		}
		if m.MessageID != "apple-1@customer.test" || m.From != "priya@customer.test" || m.Subject != "Документы KYC-7QX2PA" {
			t.Errorf("header = %q %q %q", m.MessageID, m.From, m.Subject)
		}
		want := []struct {
			name string
			data []byte
		}{
			{"IMG_0001.PNG", png},
			{"from-content-type.pdf", pdf},
			{"паспорт.pdf", pdf},
			{"Инн.pdf", pdf},
			{"evil.pdf", pdf},
			{"invoicefdp.exe", []byte("MZ")},
		}
		if len(m.Attachments) != len(want) {
			var got []string
			for _, a := range m.Attachments {
				got = append(got, a.Name)
			}
			t.Fatalf("attachments = %q, want %d", got, len(want))
		}
		files := m.Files()
		// Read them backwards: each reader stands on its own.
		for i := len(want) - 1; i >= 0; i-- {
			a := m.Attachments[i]
			data, err := io.ReadAll(files[i].Body)
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != want[i].name || files[i].Name != want[i].name {
				t.Errorf("attachment %d name = %q, want %q", i, a.Name, want[i].name)
			}
			if !bytes.Equal(data, want[i].data) || a.Size != int64(len(data)) {
				t.Errorf("attachment %d: %d bytes (size %d), want %d", i, len(data), a.Size, len(want[i].data))
			}
		}
	})

	t.Run("ReadersAtOnce", func(t *testing.T) {
		raw := buildMessage(t, customer, "x", "c-1@customer.test",
			attachment{"a.pdf", "application/pdf", pdf}, attachment{"b.png", "image/png", png}, attachment{"c.pdf", "application/pdf", pdf})
		m, err := imapmail.ParseMessage(bytes.NewReader(raw), int64(len(raw)))
		if err != nil || m.Problem != nil {
			t.Fatal(err, m.Problem)
		}
		var wg sync.WaitGroup
		for i, f := range m.Files() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data, err := io.ReadAll(f.Body)
				if err != nil || int64(len(data)) != m.Attachments[i].Size {
					t.Errorf("file %d: %d bytes, %v", i, len(data), err)
				}
			}()
		}
		wg.Wait()
	})

	t.Run("SinglePartAttachment", func(t *testing.T) {
		raw := []byte("From: priya@customer.test\r\nMessage-ID: <single@customer.test>\r\n" +
			"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=scan.pdf\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(pdf) + "\r\n")
		m, err := imapmail.ParseMessage(bytes.NewReader(raw), int64(len(raw)))
		if err != nil || m.Problem != nil || len(m.Attachments) != 1 || m.Attachments[0].Name != "scan.pdf" {
			t.Fatalf("got %+v, %v", m, err)
		}
	})

	t.Run("NoMessageIDIsStable", func(t *testing.T) {
		raw := buildMessage(t, customer, "x", "", attachment{"a.pdf", "application/pdf", pdf})
		m1, _ := imapmail.ParseMessage(bytes.NewReader(raw), int64(len(raw)))
		m2, _ := imapmail.ParseMessage(bytes.NewReader(raw), int64(len(raw)))
		if !strings.HasPrefix(m1.MessageID, "sha256:") || m1.MessageID != m2.MessageID {
			t.Errorf("ids = %q, %q", m1.MessageID, m2.MessageID)
		}
	})

	problems := []struct {
		name   string
		raw    []byte
		reason string
	}{
		{"TextOnly", buildMessage(t, customer, "x", "p-1@customer.test"), backend.IntakeNoAttachment},
		{"CorruptBase64", []byte("From: a@b.test\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n%%%% not base64 %%%%\r\n"), backend.IntakeWrongType},
		{"TooManyAttachments", func() []byte {
			var files []attachment
			for range imapmail.MaxAttachments + 1 {
				files = append(files, attachment{"a.pdf", "application/pdf", []byte("%PDF-1.4")})
			}
			return buildMessage(t, customer, "x", "p-3@customer.test", files...)
		}(), backend.IntakeTooLarge},
		{"DeepNesting", []byte(strings.ReplaceAll(deep(30), "\n", "\r\n")), backend.IntakeTooLarge},
	}
	for _, tc := range problems {
		t.Run(tc.name, func(t *testing.T) {
			m, err := imapmail.ParseMessage(bytes.NewReader(tc.raw), int64(len(tc.raw)))
			if err != nil {
				t.Fatal(err)
			}
			if m.Problem == nil || m.Problem.Reason != tc.reason {
				t.Errorf("problem = %+v, want %s", m.Problem, tc.reason)
			}
			if len(m.Attachments) > imapmail.MaxAttachments {
				t.Errorf("%d attachments", len(m.Attachments))
			}
		})
	}
}

// deep is a message of n nested multiparts around one attachment.
func deep(n int) string {
	var b strings.Builder
	b.WriteString("From: a@b.test\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for i := 1; i < n; i++ {
		b.WriteString("--b" + itoa(i-1) + "\nContent-Type: multipart/mixed; boundary=b" + itoa(i) + "\n\n")
	}
	b.WriteString("--b" + itoa(n-1) + "\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n\n%PDF-1.4\n")
	for i := n - 1; i >= 0; i-- {
		b.WriteString("--b" + itoa(i) + "--\n")
	}
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("я", 300) + ".pdf"
	for _, tc := range []struct{ in, want string }{
		{"pan.pdf", "pan.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\priya\Desktop\scan 1.jpg`, "scan 1.jpg"},
		{"..", ""},
		{"...pdf", "pdf"},
		{"a..b.pdf", "a.b.pdf"},
		{"tab\there\x00.pdf", "tabhere.pdf"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"half\u2215slash.pdf", "half_slash.pdf"},
		{"bad\xffutf8.pdf", "bad\uFFFDutf8.pdf"},
		{"  spaced  .pdf  ", "spaced  .pdf"},
		{long, strings.Repeat("я", 196) + ".pdf"},
	} {
		if got := imapmail.SanitizeName(tc.in); got != tc.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzExtractAttachments feeds raw bytes as a message: ParseMessage never
// panics, names are safe display names, there are never more than
// MaxAttachments, and each reader gives back exactly Size bytes.
func FuzzExtractAttachments(f *testing.F) {
	pdf, png := minimalPDF(), tinyPNG(f)
	f.Add(appleStyle(pdf, png))
	f.Add(buildMessage(f, customer, "x", "f-1@customer.test", attachment{"../a.pdf", "application/pdf", pdf}))
	f.Add(buildMessage(f, customer, "x", "", attachment{"b.png", "image/png", png}, attachment{"c", "text/plain", []byte("hi")}))
	f.Add([]byte(deep(4)))
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Disposition: attachment; filename=\"..\\\\x\"\r\n\r\nabc\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: image/png; name=\"/etc/passwd\"\r\n\r\nzz"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := imapmail.ParseMessage(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatalf("a bytes.Reader cannot fail to read, got %v", err)
		}
		if m.MessageID == "" {
			t.Error("empty Message-ID")
		}
		if len(m.Attachments) > imapmail.MaxAttachments {
			t.Fatalf("%d attachments, over %d", len(m.Attachments), imapmail.MaxAttachments)
		}
		for i, a := range m.Attachments {
			if a.Name == "" || strings.ContainsAny(a.Name, `/\`) || strings.Contains(a.Name, "..") ||
				!utf8.ValidString(a.Name) || utf8.RuneCountInString(a.Name) > 200 ||
				strings.IndexFunc(a.Name, unicode.IsControl) >= 0 {
				t.Errorf("unsafe name %q", a.Name)
			}
			if m.Problem != nil {
				continue
			}
			n, err := io.Copy(io.Discard, m.Files()[i].Body)
			if err != nil || n != a.Size {
				t.Errorf("attachment %d: read %d bytes, %v; size %d", i, n, err, a.Size)
			}
		}
	})
}
