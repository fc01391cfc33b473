// Package sms delivers outbox text messages and voice codes through a
// gateway: a configurable HTTP gateway, or a local file for development and
// tests.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"gatehouse/backend"
)

// Record is one message as the gateways send it.
type Record struct {
	ID      string    `json:"id"`
	Channel string    `json:"channel"` // sms or voice
	To      string    `json:"to"`      // E.164
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// File appends each message as a JSON line to a file.
type File struct {
	Path string
	mu   sync.Mutex
}

var _ backend.Deliverer = (*File)(nil)

// Deliver appends m to the file and syncs it.
func (g *File) Deliver(ctx context.Context, m backend.Message) error {
	b, err := json.Marshal(Record{ID: m.ID, Channel: m.Channel, To: m.To, Text: m.Body, At: time.Now().UTC()})
	if err != nil {
		return &backend.PermanentError{Err: err}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	f, err := os.OpenFile(g.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("sms file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("sms file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sms file: %w", err)
	}
	return f.Close()
}

// HTTP posts each message as JSON ({"id","channel","to","text"}) to a
// gateway URL with a bearer token. The gateway is expected to deduplicate
// by id, which is stable across retries.
type HTTP struct {
	URL    string
	Token  string
	Client *http.Client
}

var _ backend.Deliverer = (*HTTP)(nil)

// Deliver posts m; 4xx answers are permanent failures, others are retried.
func (g *HTTP) Deliver(ctx context.Context, m backend.Message) error {
	b, err := json.Marshal(Record{ID: m.ID, Channel: m.Channel, To: m.To, Text: m.Body, At: m.CreatedAt})
	if err != nil {
		return &backend.PermanentError{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(b))
	if err != nil {
		return &backend.PermanentError{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.ID)
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	c := g.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != http.StatusTooManyRequests:
		return &backend.PermanentError{Err: fmt.Errorf("sms gateway: %s", res.Status)}
	}
	return fmt.Errorf("sms gateway: %s", res.Status)
}
