package store

import (
	"context"
	"fmt"
	"time"

	"gatehouse/backend"
)

var _ backend.OutboxStore = (*DB)(nil)

// ClaimMessages leases due messages: their next attempt moves to leaseUntil,
// so a sender that dies mid-delivery leaves them to be retried, not lost.
func (db *DB) ClaimMessages(ctx context.Context, limit int, leaseUntil time.Time) ([]backend.Message, error) {
	var out []backend.Message
	err := db.update(ctx, func(tx *Tx) error {
		rows, err := tx.Query(`SELECT id, channel, recipient, subject, body, attempts, created_at FROM outbox
			WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`, tx.now.UnixMilli(), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m backend.Message
			var created int64
			if err := rows.Scan(&m.ID, &m.Channel, &m.To, &m.Subject, &m.Body, &m.Attempts, &created); err != nil {
				return err
			}
			m.CreatedAt = time.UnixMilli(created).UTC()
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range out {
			if _, err := tx.Exec(`UPDATE outbox SET next_attempt_at = ? WHERE id = ?`, leaseUntil.UnixMilli(), m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return out, nil
}

// MarkSent records a delivered message; it is never sent again.
func (db *DB) MarkSent(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`UPDATE outbox SET sent_at = ?, next_attempt_at = NULL, attempts = attempts + 1, last_error = '' WHERE id = ?`, tx.now.UnixMilli(), id)
		return err
	})
}

// MarkFailed records a failed attempt; a zero retryAt gives the message up.
func (db *DB) MarkFailed(ctx context.Context, id, reason string, retryAt time.Time) error {
	var next any
	if !retryAt.IsZero() {
		next = retryAt.UnixMilli()
	}
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`, reason, next, id)
		return err
	})
}

// OutboxStats counts messages waiting and given up, for the status bar.
func (db *DB) OutboxStats(ctx context.Context) (waiting, failed int, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT
		count(next_attempt_at),
		count(CASE WHEN next_attempt_at IS NULL AND sent_at IS NULL THEN 1 END) FROM outbox`).Scan(&waiting, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("outbox stats: %w", err)
	}
	return waiting, failed, nil
}
