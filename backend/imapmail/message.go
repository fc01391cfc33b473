package imapmail

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // names and subjects in KOI8-R, windows-1251, ISO-2022-JP...
	"github.com/emersion/go-message/mail"

	"gatehouse/backend"
)

// MaxAttachments is the most attachments one message may carry. A message
// with more is quarantined (too_large) rather than filed in part.
const MaxAttachments = 20

const (
	maxNameRunes    = 200 // an attachment's display name
	maxSubjectRunes = 998 // RFC 5322's line limit is plenty for a case reference
	maxMessageID    = 250
	maxDepth        = 10  // nested multiparts; real clients use 3 or 4
	maxLeaves       = 500 // parts walked in one message, attachments or not
)

// Message is what Gatehouse takes from one email: who sent it, its subject
// and its attachments.
type Message struct {
	// MessageID is the Message-ID without angle brackets, the intake's
	// idempotency key. A message without a usable one gets
	// "sha256:<hex>" of its raw bytes (or of the unusable id), which is
	// just as stable for the same message offered twice.
	MessageID string
	From      string // the first From address, lower-cased; "" when none parses
	Subject   string // decoded, control characters removed
	// Attachments are the files to file, in the order of the message.
	Attachments []*Attachment
	// Problem says why the message cannot go to the intake as it is (no
	// attachment, too many parts, unreadable MIME); nil when it can.
	Problem *backend.IntakeError
}

// Attachment is one file of a message. Its content is not held: Open
// decodes it afresh from the raw message.
type Attachment struct {
	Name      string // display name only: no path, no control characters, at most 200 characters
	MediaType string // as the sender declared it; the intake sniffs the content itself
	Size      int64  // decoded bytes

	raw  io.ReaderAt
	size int64
	leaf int // index of the part among the message's leaves, in walk order
}

// Files returns the attachments as the intake takes them, each Body
// decoding its part from the raw message when first read.
func (m *Message) Files() []backend.UploadFile {
	files := make([]backend.UploadFile, len(m.Attachments))
	for i, a := range m.Attachments {
		files[i] = backend.UploadFile{Name: a.Name, Body: a.Open()}
	}
	return files
}

// Open returns a reader of the attachment's decoded content. Readers are
// independent: the intake may read them in any order, or at once.
func (a *Attachment) Open() io.Reader { return &partReader{a: a} }

type partReader struct {
	a   *Attachment
	r   io.Reader
	src *errTracker
	err error
}

func (p *partReader) Read(b []byte) (int, error) {
	if p.r == nil && p.err == nil {
		p.r, p.src, p.err = p.a.locate()
	}
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(b)
	if p.src.err != nil { // the spool failed under us: say so, not a short file
		return n, p.src.err
	}
	return n, err
}

// locate walks the raw message again up to the attachment's part. The
// first walk (ParseMessage) read the same bytes to the end without error,
// so only a read error of the spool itself can make this one fail.
func (a *Attachment) locate() (io.Reader, *errTracker, error) {
	src := &errTracker{r: io.NewSectionReader(a.raw, 0, a.size)}
	e, err := message.Read(src)
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, src, readErr(src, err)
	}
	var found *message.Entity
	errFound := errors.New("found")
	leaf := 0
	err = walk(e, 0, &leaf, func(i int, p *message.Entity) error {
		if i == a.leaf {
			found = p
			return errFound
		}
		return nil
	})
	if found == nil {
		if err == nil || err == errFound {
			err = errors.New("attachment part not found")
		}
		return nil, src, readErr(src, err)
	}
	return found.Body, src, nil
}

// errTracker remembers the first error of the underlying reader, so that
// a failing spool (an I/O error, worth retrying) is told apart from a
// malformed message (a parse error, final).
type errTracker struct {
	r   io.Reader
	err error
}

func (t *errTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

func readErr(src *errTracker, err error) error {
	if src.err != nil {
		return fmt.Errorf("read message: %w", src.err)
	}
	return err
}

var errTooDeep = errors.New("too deeply nested")
var errTooManyParts = errors.New("too many parts")

// walk calls fn for each leaf entity of e, depth first, numbering them.
func walk(e *message.Entity, depth int, leaf *int, fn func(i int, e *message.Entity) error) error {
	mr := e.MultipartReader()
	if mr == nil {
		if *leaf >= maxLeaves {
			return errTooManyParts
		}
		i := *leaf
		*leaf++
		return fn(i, e)
	}
	if depth >= maxDepth {
		return errTooDeep
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			return err
		}
		if err := walk(p, depth+1, leaf, fn); err != nil {
			return err
		}
	}
}

// ParseMessage reads a raw RFC 5322 message of size bytes. It decodes
// every attachment once, to learn its size and to make sure it decodes,
// and keeps nothing of it: Attachment.Open decodes it again from raw,
// which must stay readable until the attachments have been read.
//
// A message that cannot be filed as it is comes back with Problem set;
// the error is only for a raw that fails to read (worth retrying).
func ParseMessage(raw io.ReaderAt, size int64) (*Message, error) {
	m := &Message{}
	src := &errTracker{r: io.NewSectionReader(raw, 0, size)}
	e, err := message.Read(src)
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		if src.err != nil {
			return nil, readErr(src, err)
		}
		id, idErr := messageID(mail.Header{}, raw, size)
		if idErr != nil {
			return nil, idErr
		}
		m.MessageID = id
		m.Problem = &backend.IntakeError{Reason: backend.IntakeWrongType, Detail: "unreadable message header: " + err.Error()}
		return m, nil
	}
	h := mail.Header{Header: e.Header}
	if m.MessageID, err = messageID(h, raw, size); err != nil {
		return nil, err
	}
	if addrs, err := h.AddressList("From"); err == nil && len(addrs) > 0 {
		m.From = strings.ToLower(strings.TrimSpace(addrs[0].Address))
	}
	subject, _ := h.Subject() // on error, the raw value: still worth a look for a case reference
	m.Subject = truncateRunes(stripControls(subject), maxSubjectRunes)

	leaves := 0
	err = walk(e, 0, &leaves, func(i int, p *message.Entity) error {
		mediaType, name, ok := attachmentOf(p.Header)
		if !ok {
			return nil // the walk's NextPart skips the body
		}
		if len(m.Attachments) == MaxAttachments {
			return errTooManyAttachments
		}
		n, err := io.Copy(io.Discard, p.Body)
		if err != nil {
			return fmt.Errorf("attachment %d does not decode: %w", len(m.Attachments)+1, err)
		}
		name = SanitizeName(name)
		if name == "" {
			name = defaultName(len(m.Attachments)+1, mediaType)
		}
		m.Attachments = append(m.Attachments, &Attachment{
			Name: name, MediaType: mediaType, Size: n, raw: raw, size: size, leaf: i,
		})
		return nil
	})
	switch {
	case src.err != nil:
		return nil, readErr(src, err)
	case err == errTooManyAttachments:
		m.Problem = &backend.IntakeError{Reason: backend.IntakeTooLarge,
			Detail: fmt.Sprintf("more than %d attachments", MaxAttachments)}
	case err == errTooDeep || err == errTooManyParts:
		m.Problem = &backend.IntakeError{Reason: backend.IntakeTooLarge, Detail: "MIME structure " + err.Error()}
	case err != nil:
		m.Problem = &backend.IntakeError{Reason: backend.IntakeWrongType, Detail: "malformed MIME: " + err.Error()}
	case len(m.Attachments) == 0:
		m.Problem = &backend.IntakeError{Reason: backend.IntakeNoAttachment, Detail: "the message has no attached file"}
	}
	return m, nil
}

var errTooManyAttachments = errors.New("too many attachments")

// notDocuments are media types sent as attachments that are never a
// document: signatures and keys. Taking them would make the intake refuse
// a signed message for a "wrong type" the customer never meant to send.
var notDocuments = map[string]bool{
	"application/pkcs7-signature":   true,
	"application/x-pkcs7-signature": true,
	"application/pgp-signature":     true,
	"application/pgp-keys":          true,
	"text/vcard":                    true,
	"text/x-vcard":                  true,
}

// attachmentOf says whether a leaf part is a file the sender attached: a
// part marked attachment, or an inline one with a file name whose type is
// not text (the pictures phones put inline). Bodies of text and HTML are
// not attachments.
func attachmentOf(h message.Header) (mediaType, name string, ok bool) {
	mediaType, ctParams, err := h.ContentType()
	if err != nil {
		mediaType, ctParams = lenientValue(h.Get("Content-Type")), nil
	}
	if mediaType == "" {
		mediaType = "text/plain" // RFC 2045's default
	}
	disp, dParams, err := h.ContentDisposition()
	if err != nil {
		disp, dParams = lenientValue(h.Get("Content-Disposition")), nil
	}
	name = dParams["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	if name == "" && (dParams == nil || ctParams == nil) {
		name = lenientParam(h.Get("Content-Disposition"), "filename")
		if name == "" {
			name = lenientParam(h.Get("Content-Type"), "name")
		}
	}
	if notDocuments[mediaType] || strings.HasPrefix(mediaType, "multipart/") {
		return mediaType, name, false
	}
	switch {
	case disp == "attachment":
		return mediaType, name, true
	case name != "" && !strings.HasPrefix(mediaType, "text/"):
		return mediaType, name, true
	}
	return mediaType, name, false
}

// lenientValue is the lower-cased first token of a header value that
// mime.ParseMediaType refused (for example an unquoted name with spaces).
func lenientValue(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// lenientParam finds key=value in a header value that did not parse.
func lenientParam(v, key string) string {
	for _, p := range strings.Split(v, ";")[1:] {
		k, val, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	return ""
}

// messageID is the Message-ID, or a stable stand-in when it is missing,
// absurdly long or not printable ASCII.
func messageID(h mail.Header, raw io.ReaderAt, size int64) (string, error) {
	v := h.Get("Message-Id")
	id, err := h.MessageID()
	if err != nil || id == "" {
		id = strings.Trim(strings.TrimSpace(v), "<>")
	}
	if id == "" {
		sum := sha256.New()
		if _, err := io.Copy(sum, io.NewSectionReader(raw, 0, size)); err != nil {
			return "", fmt.Errorf("read message: %w", err)
		}
		return "sha256:" + hex.EncodeToString(sum.Sum(nil)), nil
	}
	printable := len(id) <= maxMessageID
	for i := 0; i < len(id) && printable; i++ {
		printable = id[i] > ' ' && id[i] < 0x7f
	}
	if !printable {
		sum := sha256.Sum256([]byte(id))
		return "sha256:" + hex.EncodeToString(sum[:]), nil
	}
	return id, nil
}

// SanitizeName turns an attachment's file name into a display name: the
// last element of any path, valid UTF-8, without control or format
// characters (bidi overrides that disguise "gpj.exe" as "exe.jpg"),
// without "..", and at most 200 characters, keeping the extension. It
// may return "". The name is never used as a path: the vault names files
// by their hash.
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsSpace(r):
			r = ' '
		case r == '\u2215' || r == '\u2044' || r == '\uFF0F' || r == '\u29F8' || r == '\uFF3C' || r == '\u29F9':
			r = '_' // slashes that only look like separators
		}
		b.WriteRune(r)
	}
	name = b.String()
	for strings.Contains(name, "..") {
		name = strings.ReplaceAll(name, "..", ".")
	}
	name = strings.Trim(name, " .")
	if utf8.RuneCountInString(name) > maxNameRunes {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 16 {
			ext = ""
		}
		base := truncateRunes(name, maxNameRunes-utf8.RuneCountInString(ext))
		name = strings.TrimRight(base, " .") + ext
	}
	return name
}

// defaultName names an attachment that came without one.
func defaultName(n int, mediaType string) string {
	ext := map[string]string{
		"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png",
		"image/heic": ".heic", "image/heif": ".heif", "image/tiff": ".tif",
	}[mediaType]
	return fmt.Sprintf("attachment-%d%s", n, ext)
}

func stripControls(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return -1
		}
		return r
	}, s))
}

func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
