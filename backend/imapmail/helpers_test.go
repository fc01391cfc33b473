package imapmail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math/big"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-message/mail"

	"gatehouse/backend"
	"gatehouse/backend/imapmail"
)

const (
	testUser     = "kyc@gatehouse.test"
	testPassword = "mailbox-secret"
)

// testServer is a real IMAP server on 127.0.0.1: go-imap's imapserver over
// its in-memory backend.
type testServer struct {
	Addr string
	Mem  *imapmemserver.Server
	User *imapmemserver.User
	ln   *trackingListener
	TLS  *tls.Config // the client side, trusting the server's certificate
}

type serverOptions struct {
	legacy   bool   // IMAP4rev1 only (no MOVE, no UIDPLUS) and no keywords
	security string // none (default), tls, starttls
}

func newServer(t testing.TB, o serverOptions) *testServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)

	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if o.legacy {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	}
	serverTLS, clientTLS := testCertificates(t)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess := mem.NewSession()
			if o.legacy {
				sess = legacySession{sess}
			}
			return sess, nil, nil
		},
		Caps:         caps,
		InsecureAuth: o.security == "" || o.security == imapmail.SecurityNone,
		Logger:       quietLogger{},
	}
	if o.security == imapmail.SecurityStartTLS {
		opts.TLSConfig = serverTLS
	}
	server := imapserver.New(opts)

	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &trackingListener{Listener: raw}
	var serveLn net.Listener = ln
	if o.security == imapmail.SecurityTLS {
		serveLn = tls.NewListener(ln, serverTLS)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.Serve(serveLn)
	}()
	t.Cleanup(func() {
		server.Close()
		ln.killAll()
		<-done
	})
	return &testServer{Addr: raw.Addr().String(), Mem: mem, User: user, ln: ln, TLS: clientTLS}
}

// legacySession is a server session without MOVE (it does not implement
// imapserver.SessionMove) that keeps no keywords: PERMANENTFLAGS lists
// only the system flags, as some older servers do.
type legacySession struct{ imapserver.Session }

func (s legacySession) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := s.Session.Select(name, options)
	if data != nil {
		data.PermanentFlags = []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}
	}
	return data, err
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// trackingListener remembers the connections it accepted, so that a test
// can cut them as a crash or a network failure would.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *trackingListener) killAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// KillConnections drops every open connection to the server.
func (s *testServer) KillConnections() { s.ln.killAll() }

func (s *testServer) config() imapmail.Config {
	return imapmail.Config{Addr: s.Addr, Security: imapmail.SecurityNone, Username: testUser, Password: testPassword}
}

// client is the test's own IMAP connection, to append and to look.
func (s *testServer) client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(testUser, testPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func appendMessage(t testing.TB, c *imapclient.Client, mailbox string, raw []byte) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
	}
}

// stored is a message as the server holds it.
type stored struct {
	MessageID string
	Subject   string
	Flags     []string
	Raw       []byte
}

func (m stored) hasFlag(f string) bool {
	for _, x := range m.Flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

// folder lists a folder's messages, reading them without marking them.
func folder(t testing.TB, c *imapclient.Client, name string) []stored {
	t.Helper()
	data, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("examine %s: %v", name, err)
	}
	if data.NumMessages == 0 {
		return nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
		Envelope: true, Flags: true, UID: true, BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		t.Fatalf("fetch %s: %v", name, err)
	}
	var out []stored
	for _, b := range bufs {
		m := stored{MessageID: b.Envelope.MessageID, Subject: b.Envelope.Subject, Raw: b.FindBodySection(section)}
		for _, f := range b.Flags {
			m.Flags = append(m.Flags, string(f))
		}
		sort.Strings(m.Flags)
		out = append(out, m)
	}
	return out
}

// attachment is a file to put in a test message.
type attachment struct {
	Name string
	Type string
	Data []byte
}

// buildMessage writes a real multipart/mixed message with go-message: a
// text part and the files as attachments (base64).
func buildMessage(t testing.TB, from, subject, messageID string, files ...attachment) []byte {
	t.Helper()
	var buf bytes.Buffer
	var h mail.Header
	h.SetDate(time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC))
	h.SetAddressList("From", []*mail.Address{{Name: "A Customer", Address: from}})
	h.SetAddressList("To", []*mail.Address{{Address: testUser}})
	h.SetSubject(subject)
	if messageID != "" {
		h.SetMessageID(messageID)
	}
	mw, err := mail.CreateWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	var th mail.InlineHeader
	th.Set("Content-Type", "text/plain; charset=utf-8")
	tw, err := mw.CreateSingleInline(th)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(tw, "Hello, please find my documents attached.\r\n")
	tw.Close()
	for _, f := range files {
		var ah mail.AttachmentHeader
		ah.Set("Content-Type", f.Type)
		ah.SetFilename(f.Name)
		w, err := mw.CreateAttachment(ah)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.Data)
		w.Close()
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// minimalPDF is a valid one-page PDF, its cross-reference table computed.
func minimalPDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
	}
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// tinyPNG is a real 2x2 PNG made with image/png.
func tinyPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	img.Set(1, 1, color.RGBA{B: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fakeIntake stands in for the KYC store: known senders have a case, a
// repeated Message-ID gets the answer it got the first time (the store's
// dedupe), and it records every call with the files it read.
type fakeIntake struct {
	mu        sync.Mutex
	senders   map[string]string // from -> case reference
	filed     map[string]string // Message-ID -> case reference
	calls     []intakeCall
	transient int         // fail this many next calls as a database outage would
	during    func()      // runs inside each call, before it answers
	got       chan string // Message-IDs as they arrive, when not nil
	readErr   error       // the first error reading a file
}

type intakeCall struct {
	MessageID, From, Subject string
	Files                    []gotFile
}

type gotFile struct {
	Name string
	Data []byte
}

func newIntake(senders map[string]string) *fakeIntake {
	return &fakeIntake{senders: senders, filed: map[string]string{}}
}

var _ backend.KYCIntake = (*fakeIntake)(nil)

func (f *fakeIntake) FileEmailed(ctx context.Context, msgs []backend.EmailedMessage) ([]backend.IntakeResult, error) {
	results := make([]backend.IntakeResult, len(msgs))
	for i, m := range msgs {
		results[i].CaseRef, results[i].Err = f.fileOne(m.MessageID, m.From, m.Subject, m.Files)
	}
	return results, nil
}

// fileOne answers one message as the store would.
func (f *fakeIntake) fileOne(messageID, from, subject string, files []backend.UploadFile) (string, error) {
	call := intakeCall{MessageID: messageID, From: from, Subject: subject}
	var readErr error
	for _, file := range files {
		data, err := io.ReadAll(io.LimitReader(file.Body, backend.MaxKYCFileSize+1))
		if err != nil && readErr == nil {
			readErr = err
		}
		call.Files = append(call.Files, gotFile{Name: file.Name, Data: data})
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	if readErr != nil && f.readErr == nil {
		f.readErr = readErr
	}
	during, got := f.during, f.got
	transient := f.transient > 0
	if transient {
		f.transient--
	}
	f.mu.Unlock()
	if got != nil {
		got <- messageID
	}
	if during != nil {
		during()
	}
	if transient {
		return "", errors.New("database is down")
	}
	if readErr != nil {
		return "", readErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ref, ok := f.filed[messageID]; ok {
		return ref, nil
	}
	ref, ok := f.senders[from]
	if !ok {
		return "", &backend.IntakeError{Reason: backend.IntakeUnknownSender, Detail: from + " has no verified account"}
	}
	f.filed[messageID] = ref
	return ref, nil
}

func (f *fakeIntake) Calls() []intakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]intakeCall(nil), f.calls...)
}

// Filings is how many distinct messages were filed.
func (f *fakeIntake) Filings() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.filed)
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testCertificates makes a self-signed certificate for 127.0.0.1.
func testCertificates(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imap.gatehouse.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}
