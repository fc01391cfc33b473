package replica

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/store"
)

// Sync state keys in store.DB's sync_state.
const (
	keyServer   = "server"
	keyToken    = "device_token"
	keyDevice   = "device_id"
	keyName     = "device_name"
	keyCursor   = "cursor"
	keyLastSync = "last_sync"
)

// Client is a desktop's side of sync. Run loops until its context ends:
// on every nudge (a local write) or interval it pushes what is pending,
// hands over the outbox, pulls the server's changes and fetches the files
// they name. Everything it does is idempotent, so it resumes after a crash,
// a kill or a lost connection by simply running again.
type Client struct {
	DB    *store.DB
	Files Files
	// PartDir holds partial downloads.
	PartDir  string
	HTTP     *http.Client
	Log      *slog.Logger
	Interval time.Duration // between rounds when nothing nudges; default 30 s
	Batch    int           // changes per push; default store.MaxBatch
	// OnStatus is told whenever the status changes (the desktop emits an event).
	OnStatus func(backend.SyncStatus)

	mu       sync.Mutex
	received int // changes from the server applied since start
	// receiving is how much of a pull of several pages is done, in
	// percent (0: none under way).
	receiving int
	online    bool
	syncing   bool
	lastErr   string
	errKey    string // lastErr's i18n key
	nudge     chan struct{}
	round     sync.Mutex // one round at a time
}

func (c *Client) init() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nudge == nil {
		c.nudge = make(chan struct{}, 1)
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Nudge asks for a round soon (after a local write).
func (c *Client) Nudge() {
	c.init()
	select {
	case c.nudge <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends. Between rounds it waits for a nudge (a local
// write), the server's word that its log grew (a long poll), or the
// interval, whichever comes first.
func (c *Client) Run(ctx context.Context) {
	c.init()
	interval := c.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	backoff := time.Second
	for {
		err := c.SyncNow(ctx)
		wait := interval
		if err != nil && !errors.Is(err, errNotConnected) {
			// Offline: try again sooner than the interval, then back off.
			wait = min(backoff, interval)
			backoff = min(backoff*2, interval)
		} else {
			backoff = time.Second
		}
		watchCtx, stopWatch := context.WithCancel(ctx)
		remote := make(chan struct{}, 1)
		if err == nil {
			go c.watch(watchCtx, remote)
		}
		select {
		case <-ctx.Done():
			stopWatch()
			return
		case <-c.nudge:
			// Let a burst of writes settle into one round.
			select {
			case <-time.After(25 * time.Millisecond):
			case <-ctx.Done():
			}
		case <-remote:
		case <-time.After(wait):
		}
		stopWatch()
	}
}

// watch long-polls the server and signals when its log grew.
func (c *Client) watch(ctx context.Context, changed chan<- struct{}) {
	st, err := c.DB.SyncState(ctx)
	if err != nil || st[keyServer] == "" {
		return
	}
	var res struct {
		Changed bool `json:"changed"`
	}
	q := "/sync/watch?after=" + st[keyCursor] + "&wait=25"
	if err := c.call(ctx, st[keyServer], st[keyToken], http.MethodGet, q, nil, &res); err == nil && res.Changed {
		changed <- struct{}{}
	}
}

var errNotConnected = errors.New("not connected to a server")

// Connect registers this desktop with a server using the user's own email
// and password, and keeps the device token.
func (c *Client) Connect(ctx context.Context, server, email, password, name string) error {
	c.init()
	server = strings.TrimRight(strings.TrimSpace(server), "/")
	var f backend.Fields
	if u, err := url.Parse(server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		f.Add("server", "server_url_invalid", nil)
	}
	if name = strings.TrimSpace(name); name == "" {
		name, _ = os.Hostname()
	}
	if err := f.Err(); err != nil {
		return err
	}
	var reg Registered
	if err := c.call(ctx, server, "", http.MethodPost, "/sync/devices", RegisterInput{Email: email, Password: password, Name: name}, &reg); err != nil {
		var appErr *backend.Error
		if errors.As(err, &appErr) {
			return err
		}
		return backend.Keyed(backend.EINVALID, "errors.server_unreachable", "The server cannot be reached: check the address and the network.")
	}
	if err := c.DB.SetSyncState(ctx, map[string]string{keyServer: server, keyToken: reg.Token, keyDevice: reg.DeviceID, keyName: name, keyCursor: "0"}); err != nil {
		return err
	}
	c.Nudge()
	return nil
}

// Connected reports whether this desktop syncs with a server.
func (c *Client) Connected(ctx context.Context) bool {
	st, err := c.DB.SyncState(ctx)
	return err == nil && st[keyServer] != "" && st[keyToken] != ""
}

// Disconnect forgets the server; local data stays.
func (c *Client) Disconnect(ctx context.Context) error {
	return c.DB.SetSyncState(ctx, map[string]string{keyServer: "", keyToken: "", keyDevice: "", keyCursor: "", keyLastSync: ""})
}

// Status reports what the desktop shows.
func (c *Client) Status(ctx context.Context) (backend.SyncStatus, error) {
	c.init()
	st, err := c.DB.SyncState(ctx)
	if err != nil {
		return backend.SyncStatus{}, err
	}
	pending, err := c.DB.PendingCount(ctx)
	if err != nil {
		return backend.SyncStatus{}, err
	}
	conflicts, err := c.DB.OpenConflicts(ctx)
	if err != nil {
		return backend.SyncStatus{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := backend.SyncStatus{Server: st[keyServer], DeviceName: st[keyName], Online: c.online && st[keyServer] != "",
		Syncing: c.syncing, Pending: pending, Conflicts: conflicts, LastError: c.lastErr, LastErrorKey: c.errKey, Received: c.received,
		Receiving: c.receiving}
	if ms, err := strconv.ParseInt(st[keyLastSync], 10, 64); err == nil {
		t := time.UnixMilli(ms).UTC()
		s.LastSync = &t
	}
	return s, nil
}

func (c *Client) setState(online, syncing bool, lastErr, key string) {
	c.mu.Lock()
	c.online, c.syncing, c.lastErr, c.errKey = online, syncing, lastErr, key
	c.mu.Unlock()
	c.tell()
}

// setReceiving reports how far a long pull is, in percent (0: done).
func (c *Client) setReceiving(percent int) {
	c.mu.Lock()
	same := c.receiving == percent
	c.receiving = percent
	c.mu.Unlock()
	if !same {
		c.tell()
	}
}

// tell hands the status to OnStatus.
func (c *Client) tell() {
	if c.OnStatus != nil {
		if s, err := c.Status(context.Background()); err == nil {
			c.OnStatus(s)
		}
	}
}

// SyncNow runs one round: push, hand over the outbox, pull, fetch files.
func (c *Client) SyncNow(ctx context.Context) error {
	c.init()
	c.round.Lock()
	defer c.round.Unlock()
	st, err := c.DB.SyncState(ctx)
	if err != nil {
		return err
	}
	server, token := st[keyServer], st[keyToken]
	if server == "" || token == "" {
		return errNotConnected
	}
	c.setState(c.online, true, "", "")
	err = c.round1(ctx, server, token, st)
	if err != nil {
		msg, key := err.Error(), ""
		var appErr *backend.Error
		switch {
		case errors.As(err, &appErr):
			msg, key = appErr.Message, appErr.Key
		case isNetwork(err):
			msg, key = "The server cannot be reached: check the address and the network.", "errors.server_unreachable"
		}
		c.Log.Warn("sync", "err", err)
		c.setState(!isNetwork(err), false, msg, key)
		return err
	}
	c.DB.SetSyncState(ctx, map[string]string{keyLastSync: strconv.FormatInt(time.Now().UnixMilli(), 10)})
	c.setState(true, false, "", "")
	return nil
}

func (c *Client) round1(ctx context.Context, server, token string, st map[string]string) error {
	batch := c.Batch
	if batch <= 0 || batch > store.MaxBatch {
		batch = store.MaxBatch
	}
	// Push, oldest first, until nothing is pending. Batches go one at a
	// time, in order (a record's later change must not arrive before its
	// first), but the next one is read and encoded while the server
	// applies this one.
	next := make(chan pushBatch, 1)
	next <- c.readBatch(ctx, 0, batch)
	// A batch's answer is recorded while the next batch goes out; the
	// round ends when the last one is recorded.
	acked := make(chan error, 1)
	acking := false
	waitAck := func() error {
		if !acking {
			return nil
		}
		acking = false
		return <-acked
	}
	defer waitAck() // on a failure: the answer before it is still recorded
	for {
		b := <-next
		if b.err != nil {
			return b.err
		}
		if len(b.pending) == 0 {
			break
		}
		full := len(b.pending) == batch
		if full {
			// Every change sent is answered (applied, duplicate or refused)
			// and so acknowledged: the next batch starts after this one.
			after := b.pending[len(b.pending)-1].Seq
			go func() { next <- c.readBatch(ctx, after, batch) }()
		}
		if err := c.uploadFiles(ctx, server, token, b.pending); err != nil {
			return err
		}
		var res PushResult
		if err := c.call(ctx, server, token, http.MethodPost, "/sync/push", b.body, &res); err != nil {
			return errors.Join(err, waitAck())
		}
		if err := waitAck(); err != nil {
			return err
		}
		acking = true
		go func() { acked <- c.DB.Acknowledge(ctx, res.Results) }()
		if !full {
			break
		}
	}
	if err := waitAck(); err != nil {
		return err
	}
	if err := c.handOverOutbox(ctx, server, token); err != nil {
		return err
	}
	// Pull until the server has nothing newer. A pull of several pages (a
	// new desktop's first) reports how far it is, by log position.
	cursor, _ := strconv.ParseInt(st[keyCursor], 10, 64)
	start := cursor
	defer c.setReceiving(0)
	for {
		var page PullResult
		q := "/sync/pull?after=" + strconv.FormatInt(cursor, 10) + "&limit=" + strconv.Itoa(batch)
		if err := c.call(ctx, server, token, http.MethodGet, q, nil, &page); err != nil {
			return err
		}
		if len(page.Changes) > 0 {
			changes := fromWire(page.Changes)
			results, err := c.DB.ApplyChanges(ctx, changes, store.ApplyOptions{FromServer: true, Origin: "server"})
			if err != nil {
				return err
			}
			applied := 0
			for _, r := range results {
				switch r.Status {
				case store.ChangeApplied:
					applied++
				case store.ChangeRejected:
					c.Log.Warn("sync: a change from the server was not applied", "change", r.ID, "reason", r.Error)
				}
			}
			c.mu.Lock()
			c.received += applied
			c.mu.Unlock()
			if err := c.fetchFiles(ctx, server, token, changes); err != nil {
				return err
			}
		}
		if page.Next > cursor {
			cursor = page.Next
			if err := c.DB.SetSyncState(ctx, map[string]string{keyCursor: strconv.FormatInt(cursor, 10)}); err != nil {
				return err
			}
		}
		if !page.More {
			return nil
		}
		if page.Head > start {
			c.setReceiving(min(99, max(1, int((cursor-start)*100/(page.Head-start)))))
		}
	}
}

// pushBatch is a batch of pending changes and its request body.
type pushBatch struct {
	pending []backend.Change
	body    encoded
	err     error
}

// readBatch reads the pending changes after log position after and
// encodes the push request.
func (c *Client) readBatch(ctx context.Context, after int64, limit int) pushBatch {
	pending, err := c.DB.PendingChanges(ctx, after, limit)
	if err != nil || len(pending) == 0 {
		return pushBatch{err: err}
	}
	body, err := appendPush(make([]byte, 0, wireSize(pending)), pending)
	if err != nil {
		return pushBatch{err: fmt.Errorf("encode push: %w", err)}
	}
	return pushBatch{pending: pending, body: body}
}

// encoded is a request body already in JSON.
type encoded []byte

func toWire(changes []backend.Change) []WireChange {
	out := make([]WireChange, len(changes))
	for i, ch := range changes {
		out[i].Change = ch
		out[i].Data, _ = ch.Data.(json.RawMessage)
	}
	return out
}

// handOverOutbox gives the server this desktop's unsent messages: the
// server sends them, and a message handed over twice is kept once (by its
// id), so each goes out exactly once whichever side is online.
func (c *Client) handOverOutbox(ctx context.Context, server, token string) error {
	for {
		msgs, err := c.DB.ClaimMessages(ctx, 500, time.Now().Add(2*time.Minute))
		if err != nil || len(msgs) == 0 {
			return err
		}
		if err := c.call(ctx, server, token, http.MethodPost, "/sync/push", PushInput{Messages: msgs}, &PushResult{}); err != nil {
			return err // the lease expires and the messages are handed over later
		}
		for _, m := range msgs {
			if err := c.DB.MarkSent(ctx, m.ID); err != nil {
				return err
			}
		}
	}
}

// filesIn lists the hashes a batch of document changes names.
func filesIn(changes []backend.Change) []string {
	var out []string
	for _, ch := range changes {
		if ch.Entity != "kyc_document" {
			continue
		}
		raw, _ := ch.Data.(json.RawMessage)
		var d struct {
			Files []struct {
				SHA string `json:"sha256"`
			} `json:"_kyc_files"`
		}
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		for _, f := range d.Files {
			if shaPattern.MatchString(f.SHA) {
				out = append(out, f.SHA)
			}
		}
	}
	return out
}

// uploadFiles sends the files a batch names that the server lacks, before
// the changes that name them.
func (c *Client) uploadFiles(ctx context.Context, server, token string, changes []backend.Change) error {
	hashes := filesIn(changes)
	if len(hashes) == 0 {
		return nil
	}
	var res struct {
		Missing []string `json:"missing"`
	}
	if err := c.call(ctx, server, token, http.MethodPost, "/sync/files/missing", map[string]any{"hashes": hashes}, &res); err != nil {
		return err
	}
	for _, sum := range res.Missing {
		if !c.Files.Has(sum) {
			continue // not here either: the server keeps the document without its file
		}
		if err := c.uploadFile(ctx, server, token, sum); err != nil {
			return fmt.Errorf("upload %s: %w", sum[:12], err)
		}
	}
	return nil
}

// uploadFile sends one file from where the server's copy stops.
func (c *Client) uploadFile(ctx context.Context, server, token, sum string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, server+"/sync/uploads/"+sum, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.Header.Get("Upload-Complete") != "" {
		return nil
	}
	off, _ := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	f, err := c.Files.Open(sum)
	if err != nil {
		return err
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		return fmt.Errorf("vault file is not seekable")
	}
	total, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := rs.Seek(off, io.SeekStart); err != nil {
		return err
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPatch, server+"/sync/uploads/"+sum, rs)
	req.ContentLength = total - off
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	req.Header.Set("Upload-Length", strconv.FormatInt(total, 10))
	resp, err = c.HTTP.Do(req)
	if err != nil {
		return err
	}
	return readAnswer(resp, nil)
}

// fetchFiles downloads the files pulled documents name and this desktop
// lacks, resuming a partial download with a Range request.
func (c *Client) fetchFiles(ctx context.Context, server, token string, changes []backend.Change) error {
	for _, sum := range filesIn(changes) {
		if c.Files.Has(sum) {
			continue
		}
		if err := c.fetchFile(ctx, server, token, sum); err != nil {
			return fmt.Errorf("download %s: %w", sum[:12], err)
		}
	}
	return nil
}

func (c *Client) fetchFile(ctx context.Context, server, token, sum string) error {
	if err := os.MkdirAll(c.PartDir, 0o700); err != nil {
		return err
	}
	part := filepath.Join(c.PartDir, sum+".part")
	f, err := os.OpenFile(part, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, server+"/sync/files/"+sum, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	case http.StatusPartialContent:
	case http.StatusRequestedRangeNotSatisfiable:
		// The part is whole already (or wrong): check it below.
	default:
		return readAnswer(resp, nil)
	}
	if _, err := io.Copy(f, io.LimitReader(resp.Body, backend.MaxKYCFileSize+1)); err != nil {
		return err // the part stays; the next round resumes it
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		os.Remove(part)
		return fmt.Errorf("the downloaded file does not match its hash; it will be fetched again")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := c.Files.Put(f, ""); err != nil {
		return err
	}
	return os.Remove(part)
}

// call sends a JSON request and decodes the answer; an error answer comes
// back as the server's *backend.Error.
func (c *Client) call(ctx context.Context, server, token, method, path string, in, out any) error {
	var body io.Reader
	if b, ok := in.(encoded); ok {
		body = bytes.NewReader(b)
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, server+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &netError{err}
	}
	return readAnswer(resp, out)
}

func readAnswer(resp *http.Response, out any) error {
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error *backend.Error `json:"error"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e) == nil && e.Error != nil {
			return e.Error
		}
		return fmt.Errorf("server answered %s", resp.Status)
	}
	if out == nil {
		return nil
	}
	if page, ok := out.(*PullResult); ok {
		// A first sync pulls thousands of changes a page: read them
		// without reflection when they have the usual shape.
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return &netError{fmt.Errorf("reading the server's answer: %w", err)}
		}
		if readPull(body, page) {
			return nil
		}
		if err := json.Unmarshal(body, page); err != nil {
			return &netError{fmt.Errorf("reading the server's answer: %w", err)}
		}
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &netError{fmt.Errorf("reading the server's answer: %w", err)}
	}
	return nil
}

// netError is a failure to reach the server (as opposed to its refusal).
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func isNetwork(err error) bool {
	var n *netError
	return errors.As(err, &n)
}
