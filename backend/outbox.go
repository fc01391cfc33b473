package backend

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Channels of outgoing messages.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
	ChannelVoice = "voice"
)

// Message is one email or SMS waiting in the outbox. It is written in the
// same transaction as the change that causes it, so that a committed sign-up
// always has its verification email, and a rolled-back one never does.
type Message struct {
	ID        string // also the email's Message-ID: a retry after a crash is recognisable as the same message
	Channel   string
	To        string
	Subject   string
	Body      string
	Attempts  int
	CreatedAt time.Time
}

// Deliverer sends a message over one channel (SMTP, an SMS gateway...).
type Deliverer interface {
	Deliver(ctx context.Context, m Message) error
}

// OutboxStore is the durable queue behind the outbox.
type OutboxStore interface {
	// ClaimMessages leases up to limit due messages until leaseUntil, so
	// that two senders never take the same one.
	ClaimMessages(ctx context.Context, limit int, leaseUntil time.Time) ([]Message, error)
	MarkSent(ctx context.Context, id string) error
	MarkFailed(ctx context.Context, id string, reason string, retryAt time.Time) error
}

// PermanentError marks a delivery failure that retrying cannot fix (the
// server refused the recipient): the message is given up at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Outbox delivers queued messages: at once when nudged, otherwise on a poll,
// retrying failures with exponential backoff.
type Outbox struct {
	Store      OutboxStore
	Deliverers map[string]Deliverer // by channel
	Now        func() time.Time
	Log        *slog.Logger
	Poll       time.Duration
	Lease      time.Duration
	MaxBackoff time.Duration
	// HandedOver, when it returns true, leaves the queue to someone else: a
	// desktop connected to a server hands its messages over with sync, and
	// the server sends them.
	HandedOver func() bool
	nudge      chan struct{}
}

// NewOutbox returns an outbox runner with sensible defaults.
func NewOutbox(store OutboxStore, deliverers map[string]Deliverer, log *slog.Logger) *Outbox {
	return &Outbox{Store: store, Deliverers: deliverers, Now: time.Now, Log: log,
		Poll: 5 * time.Second, Lease: 2 * time.Minute, MaxBackoff: time.Hour, nudge: make(chan struct{}, 1)}
}

// Nudge asks the runner to look at the queue now (after a commit that
// enqueued something) instead of at the next poll.
func (o *Outbox) Nudge() {
	select {
	case o.nudge <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.Poll)
	defer t.Stop()
	for {
		if err := o.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.nudge:
		}
	}
}

// DeliverDue sends every message that is due now, once each.
func (o *Outbox) DeliverDue(ctx context.Context) error {
	if o.HandedOver != nil && o.HandedOver() {
		return nil
	}
	for {
		msgs, err := o.Store.ClaimMessages(ctx, 20, o.Now().Add(o.Lease))
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			return nil
		}
		for _, m := range msgs {
			o.deliver(ctx, m)
		}
	}
}

func (o *Outbox) deliver(ctx context.Context, m Message) {
	d := o.Deliverers[m.Channel]
	var err error
	if d == nil {
		err = &PermanentError{Err: errors.New("no deliverer for channel " + m.Channel)}
	} else {
		err = d.Deliver(ctx, m)
	}
	if err == nil {
		if err := o.Store.MarkSent(ctx, m.ID); err != nil {
			o.Log.Error("outbox: mark sent", "id", m.ID, "err", err)
		}
		return
	}
	retry := o.Now().Add(backoff(m.Attempts, o.MaxBackoff))
	var perm *PermanentError
	if errors.As(err, &perm) {
		retry = time.Time{} // never
	}
	o.Log.Warn("outbox: delivery failed", "id", m.ID, "channel", m.Channel, "attempt", m.Attempts+1, "err", err)
	if err := o.Store.MarkFailed(ctx, m.ID, err.Error(), retry); err != nil {
		o.Log.Error("outbox: mark failed", "id", m.ID, "err", err)
	}
}

// backoff is 5 s doubled per earlier attempt, capped.
func backoff(attempts int, max time.Duration) time.Duration {
	d := 5 * time.Second
	for i := 0; i < attempts && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}
