package imapmail

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"gatehouse/backend"
)

const (
	batchMessages = 100     // UIDs per FETCH
	batchBytes    = 8 << 20 // and at most this much mail per FETCH
	spillSize     = 1 << 20 // a message above this waits in a temporary file, not in memory
)

// meta is what the first FETCH tells of a message.
type meta struct {
	uid   imap.UID
	size  int64
	flags []imap.Flag
}

// outcome is what became of one message.
type outcome struct {
	meta
	kind      int // filed, quarantined or deferred
	reason    string
	detail    string
	messageID string
	from      string
	subject   string
}

const (
	deferred = iota
	filed
	quarantined
)

// process handles every message in the selected mailbox, oldest first, in
// batches: one FETCH of up to 100 messages, the intake for each, then one
// STORE and one MOVE per destination.
func (w *Watcher) process(ctx context.Context, s *session) (Stats, error) {
	var stats Stats
	all, err := s.c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, RFC822Size: true,
	}).Collect()
	if err != nil {
		return stats, fmt.Errorf("imapmail: fetch: %w", err)
	}
	var todo, tooBig []meta
	var unfinished imap.UIDSet
	for _, m := range all {
		if m.UID == 0 {
			continue
		}
		mt := meta{uid: m.UID, size: m.RFC822Size, flags: m.Flags}
		switch {
		case hasFlag(m.Flags, imap.FlagDeleted):
			// Someone deleted it, or our COPY fallback stopped between
			// the copy and the expunge: then finish that move.
			if hasOurs(m.Flags) && !s.move && s.uidplus {
				unfinished.AddNum(m.UID)
			}
		case m.RFC822Size > w.cfg.MaxMessageSize:
			tooBig = append(tooBig, mt)
		default:
			todo = append(todo, mt)
		}
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].uid < todo[j].uid })
	if len(unfinished) > 0 {
		if err := s.c.UIDExpunge(unfinished).Close(); err != nil {
			return stats, fmt.Errorf("imapmail: expunge: %w", err)
		}
	}
	if len(tooBig) > 0 {
		outs, err := w.tooLarge(s, tooBig)
		if err != nil {
			return stats, err
		}
		if err := w.settle(s, outs, &stats); err != nil {
			return stats, err
		}
	}
	for len(todo) > 0 {
		n, bytes := 0, int64(0)
		for n < len(todo) && n < batchMessages && (n == 0 || bytes+todo[n].size <= batchBytes) {
			bytes += todo[n].size
			n++
		}
		batch := todo[:n]
		todo = todo[n:]
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		if err := w.batch(ctx, s, batch, &stats); err != nil {
			return stats, err
		}
	}
	return stats, nil
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	return slices.ContainsFunc(flags, func(x imap.Flag) bool { return strings.EqualFold(string(x), string(f)) })
}

// ours says whether a flag is one of Gatehouse's keywords.
func ours(f imap.Flag) bool {
	s := strings.ToLower(string(f))
	return s == strings.ToLower(KeywordFiled) || s == strings.ToLower(KeywordQuarantined) ||
		strings.HasPrefix(s, strings.ToLower(KeywordReason))
}

func hasOurs(flags []imap.Flag) bool { return slices.ContainsFunc(flags, ours) }

// batch downloads messages, offers them to the intake together and
// settles them.
func (w *Watcher) batch(ctx context.Context, s *session, batch []meta, stats *Stats) error {
	spools, err := w.fetch(s, batch)
	defer func() {
		for _, sp := range spools {
			sp.close()
		}
	}()
	if err != nil {
		return err
	}
	outs := make([]outcome, 0, len(batch))
	var msgs []backend.EmailedMessage
	var offered []int // index in outs of each of msgs
	for _, m := range batch {
		sp := spools[m.uid]
		if sp == nil {
			continue // expunged meanwhile
		}
		out, msg := w.parse(m, sp)
		if msg != nil {
			msgs = append(msgs, backend.EmailedMessage{MessageID: msg.MessageID, From: msg.From, Subject: msg.Subject, Files: msg.Files()})
			offered = append(offered, len(outs))
		}
		outs = append(outs, out)
	}
	if len(msgs) > 0 {
		results, err := w.intake.FileEmailed(ctx, msgs)
		if err == nil && len(results) != len(msgs) {
			err = fmt.Errorf("%d results for %d messages", len(results), len(msgs))
		}
		if err != nil {
			w.log.Error("imapmail: intake failed, the batch stays for the next round", "messages", len(msgs), "err", err)
			results = nil
		}
		for i, r := range results {
			out := &outs[offered[i]]
			var ie *backend.IntakeError
			switch {
			case r.Err == nil:
				out.kind, out.detail = filed, r.CaseRef
			case errors.As(r.Err, &ie):
				out.kind, out.reason, out.detail = quarantined, ie.Reason, ie.Detail
			default:
				w.log.Error("imapmail: intake failed, the message stays for the next round",
					"uid", out.uid, "messageId", out.messageID, "from", out.from, "err", r.Err)
			}
		}
	}
	return w.settle(s, outs, stats)
}

// fetch downloads the messages of a batch with BODY.PEEK[], which sets no
// \Seen: a message is only marked once it has been filed.
func (w *Watcher) fetch(s *session, batch []meta) (map[imap.UID]*spooled, error) {
	var set imap.UIDSet
	for _, m := range batch {
		set.AddNum(m.uid)
	}
	cmd := s.c.Fetch(set, &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	spools := make(map[imap.UID]*spooled, len(batch))
	var spoolErr error
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var uid imap.UID
		var sp *spooled
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = item.UID
			case imapclient.FetchItemDataBodySection:
				if item.Literal != nil && sp == nil && spoolErr == nil {
					sp, spoolErr = w.spool(item.Literal)
				}
			}
		}
		if sp == nil {
			continue
		}
		if uid == 0 || spools[uid] != nil {
			sp.close()
			continue
		}
		spools[uid] = sp
	}
	if err := cmd.Close(); err != nil {
		return spools, fmt.Errorf("imapmail: fetch: %w", err)
	}
	if spoolErr != nil {
		return spools, fmt.Errorf("imapmail: spool: %w", spoolErr)
	}
	return spools, nil
}

// parse reads one message. It returns the message when it may go to the
// intake, or only the outcome (quarantined, or deferred when unreadable).
func (w *Watcher) parse(m meta, sp *spooled) (outcome, *Message) {
	out := outcome{meta: m}
	if sp.tooBig {
		out.kind, out.reason = quarantined, backend.IntakeTooLarge
		out.detail = fmt.Sprintf("message over %d bytes", w.cfg.MaxMessageSize)
		return out, nil
	}
	msg, err := ParseMessage(sp, sp.size)
	if err != nil {
		w.log.Error("imapmail: read spooled message", "uid", m.uid, "err", err)
		return out, nil // deferred
	}
	out.messageID, out.from, out.subject = msg.MessageID, msg.From, msg.Subject
	problem := msg.Problem
	for _, a := range msg.Attachments {
		if problem == nil && a.Size > w.cfg.MaxFileSize {
			problem = &backend.IntakeError{Reason: backend.IntakeTooLarge,
				Detail: fmt.Sprintf("%q is %d bytes, over the limit of %d", a.Name, a.Size, w.cfg.MaxFileSize)}
		}
	}
	if problem != nil {
		out.kind, out.reason, out.detail = quarantined, problem.Reason, problem.Detail
		return out, nil
	}
	return out, msg
}

// tooLarge quarantines messages over MaxMessageSize without downloading
// them: their headers are enough for the log.
func (w *Watcher) tooLarge(s *session, metas []meta) ([]outcome, error) {
	var set imap.UIDSet
	byUID := map[imap.UID]*outcome{}
	outs := make([]outcome, len(metas))
	for i, m := range metas {
		set.AddNum(m.uid)
		outs[i] = outcome{meta: m, kind: quarantined, reason: backend.IntakeTooLarge,
			detail: fmt.Sprintf("message of %d bytes, over the limit of %d", m.size, w.cfg.MaxMessageSize)}
		byUID[m.uid] = &outs[i]
	}
	section := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader,
		HeaderFields: []string{"Message-Id", "From", "Subject"}}
	bufs, err := s.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("imapmail: fetch headers: %w", err)
	}
	for _, b := range bufs {
		o := byUID[b.UID]
		raw := b.FindBodySection(section)
		if o == nil || raw == nil {
			continue
		}
		th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			continue
		}
		h := mail.Header{}
		h.Header.Header = th
		o.messageID, _ = h.MessageID()
		if addrs, err := h.AddressList("From"); err == nil && len(addrs) > 0 {
			o.from = strings.ToLower(addrs[0].Address)
		}
		subject, _ := h.Subject()
		o.subject = truncateRunes(stripControls(subject), maxSubjectRunes)
	}
	return outs, nil
}

// settle flags and moves the messages of a batch: filed ones get \Seen
// and $GatehouseFiled and go to the processed folder; quarantined ones
// get \Seen, $GatehouseQuarantined and $Reason_<reason> and go to the
// quarantine folder. Keywords of an earlier round (a quarantined message
// someone moved back) are taken off first. Deferred ones stay untouched.
func (w *Watcher) settle(s *session, outs []outcome, stats *Stats) error {
	var toProcessed, toQuarantine imap.UIDSet
	add := map[string]imap.UIDSet{} // flag list -> UIDs
	del := map[string]imap.UIDSet{}
	var notes []outcome
	for _, o := range outs {
		var flags []imap.Flag
		switch o.kind {
		case filed:
			toProcessed.AddNum(o.uid)
			flags = []imap.Flag{imap.FlagSeen, KeywordFiled}
			w.log.Info("imapmail: filed", "uid", o.uid, "messageId", o.messageID, "from", o.from, "case", o.detail)
		case quarantined:
			toQuarantine.AddNum(o.uid)
			flags = []imap.Flag{imap.FlagSeen, KeywordQuarantined, reasonKeyword(o.reason)}
			w.log.Warn("imapmail: quarantined", "uid", o.uid, "reason", o.reason, "detail", o.detail,
				"messageId", o.messageID, "from", o.from, "subject", o.subject)
			if !s.canKeep(KeywordQuarantined) || !s.canKeep(reasonKeyword(o.reason)) {
				notes = append(notes, o)
			}
		default:
			stats.Deferred++
			continue
		}
		flags = slices.DeleteFunc(flags, func(f imap.Flag) bool { return !s.canKeep(f) })
		var stale []imap.Flag
		for _, f := range o.flags {
			if ours(f) && !slices.Contains(flags, f) {
				stale = append(stale, f)
			}
		}
		if len(stale) > 0 {
			u := del[flagKey(stale)]
			u.AddNum(o.uid)
			del[flagKey(stale)] = u
		}
		u := add[flagKey(flags)]
		u.AddNum(o.uid)
		add[flagKey(flags)] = u
	}
	for key, set := range del {
		if err := s.store(set, imap.StoreFlagsDel, key); err != nil {
			return err
		}
	}
	for key, set := range add {
		if err := s.store(set, imap.StoreFlagsAdd, key); err != nil {
			return err
		}
	}
	if err := s.moveUIDs(toProcessed, s.processed); err != nil {
		return fmt.Errorf("imapmail: %w", err)
	}
	stats.Filed += countUIDs(toProcessed)
	if err := s.moveUIDs(toQuarantine, s.quarantine); err != nil {
		return fmt.Errorf("imapmail: %w", err)
	}
	stats.Quarantined += countUIDs(toQuarantine)
	for _, o := range notes {
		if err := s.appendNote(o); err != nil {
			// The message is in quarantine and the reason in the log.
			w.log.Error("imapmail: quarantine note", "uid", o.uid, "err", err)
		}
	}
	return nil
}

func (s *session) store(set imap.UIDSet, op imap.StoreFlagsOp, key string) error {
	if key == "" {
		return nil
	}
	var flags []imap.Flag
	for _, f := range strings.Split(key, " ") {
		flags = append(flags, imap.Flag(f))
	}
	err := s.c.Store(set, &imap.StoreFlags{Op: op, Silent: true, Flags: flags}, nil).Close()
	if err != nil {
		return fmt.Errorf("imapmail: store flags: %w", err)
	}
	return nil
}

func flagKey(flags []imap.Flag) string {
	s := make([]string, len(flags))
	for i, f := range flags {
		s[i] = string(f)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

func countUIDs(set imap.UIDSet) int {
	n := 0
	for _, r := range set {
		n += int(r.Stop-r.Start) + 1
	}
	return n
}

// reasonKeyword is $Reason_<reason>, with anything but letters, digits
// and "_" dropped (a keyword is an IMAP atom).
func reasonKeyword(reason string) imap.Flag {
	var b strings.Builder
	for _, r := range strings.ToLower(reason) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		}
		if b.Len() == 40 {
			break
		}
	}
	if b.Len() == 0 {
		b.WriteString("other")
	}
	return imap.Flag(KeywordReason + b.String())
}

// appendNote puts a short message beside a quarantined one, on servers
// that keep no keywords: the reason must be visible to whoever looks at
// the folder, and the note threads under the message it is about.
func (s *session) appendNote(o outcome) error {
	var buf bytes.Buffer
	var h mail.Header
	h.SetDate(time.Now())
	h.SetAddressList("From", []*mail.Address{{Name: "Gatehouse", Address: "gatehouse@localhost"}})
	h.SetSubject(fmt.Sprintf("Quarantined (%s): %s", o.reason, o.subject))
	if err := h.GenerateMessageIDWithHostname("gatehouse"); err != nil {
		return err
	}
	if o.messageID != "" && !strings.HasPrefix(o.messageID, "sha256:") {
		h.SetMsgIDList("In-Reply-To", []string{o.messageID})
		h.SetMsgIDList("References", []string{o.messageID})
	}
	h.Set("Auto-Submitted", "auto-generated")
	h.Set("X-Gatehouse-Reason", o.reason)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	bw, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "Gatehouse did not file this message and moved it to this folder.\r\n\r\n"+
		"Reason: %s\r\nDetail: %s\r\nFrom: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n",
		o.reason, o.detail, o.from, o.subject, o.messageID)
	if err := bw.Close(); err != nil {
		return err
	}
	cmd := s.c.Append(s.quarantine, int64(buf.Len()), nil)
	if _, err := cmd.Write(buf.Bytes()); err != nil {
		cmd.Close()
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err = cmd.Wait()
	return err
}

// spooled is one downloaded message waiting for the intake: in memory
// when small, in a temporary file otherwise, so that a batch of big
// messages does not sit in memory.
type spooled struct {
	size   int64
	mem    []byte
	file   *os.File
	tooBig bool // the literal was larger than MaxMessageSize after all
}

func (w *Watcher) spool(lit imap.LiteralReader) (*spooled, error) {
	n := lit.Size()
	if n > w.cfg.MaxMessageSize {
		_, err := io.Copy(io.Discard, lit)
		return &spooled{tooBig: true}, err
	}
	if n <= spillSize {
		b := make([]byte, n)
		if _, err := io.ReadFull(lit, b); err != nil {
			return nil, err
		}
		return &spooled{size: n, mem: b}, nil
	}
	f, err := os.CreateTemp(w.cfg.SpoolDir, "gatehouse-mail-*")
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" {
		os.Remove(f.Name()) // a crash leaves no customer document behind
	}
	sp := &spooled{size: n, file: f}
	if _, err := io.Copy(f, lit); err != nil {
		sp.close()
		return nil, err
	}
	return sp, nil
}

func (sp *spooled) ReadAt(p []byte, off int64) (int, error) {
	if sp.file != nil {
		return sp.file.ReadAt(p, off)
	}
	if off >= int64(len(sp.mem)) {
		return 0, io.EOF
	}
	n := copy(p, sp.mem[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (sp *spooled) close() {
	if sp.file != nil {
		sp.file.Close()
		os.Remove(sp.file.Name()) // already gone except on Windows
		sp.file = nil
	}
	sp.mem = nil
}
