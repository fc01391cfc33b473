package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gatehouse/backend"
)

// throttleKey hashes what is limited (sign-in to an email, resends to an
// email...), so the table holds no addresses, even unknown ones.
func throttleKey(purpose, subject string) string {
	return backend.HashToken(purpose + ":" + subject)
}

// blockedFor returns how long key stays blocked, zero if it is not.
func (db *DB) blockedFor(ctx context.Context, key string) (time.Duration, error) {
	var until int64
	err := db.read.QueryRowContext(ctx, `SELECT blocked_until FROM throttles WHERE key = ?`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("throttle: %w", err)
	}
	if d := time.UnixMilli(until).Sub(db.Now()); d > 0 {
		return d, nil
	}
	return 0, nil
}

// bump counts one more event for key within window (a new window starts
// after it), then blocks key for delay(count). It returns the new count.
func (tx *Tx) bump(key string, window time.Duration, delay func(count int) time.Duration) (int, error) {
	var count int
	var start int64
	err := tx.QueryRow(`SELECT count, window_start FROM throttles WHERE key = ?`, key).Scan(&count, &start)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && tx.now.Sub(time.UnixMilli(start)) > window) {
		count, start, err = 0, tx.now.UnixMilli(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("throttle: %w", err)
	}
	count++
	until := tx.now.Add(delay(count)).UnixMilli()
	if _, err := tx.Exec(`INSERT INTO throttles (key, count, window_start, blocked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET count = excluded.count, window_start = excluded.window_start, blocked_until = excluded.blocked_until`,
		key, count, start, until); err != nil {
		return 0, fmt.Errorf("throttle: %w", err)
	}
	return count, nil
}

func (tx *Tx) clearThrottle(key string) error {
	if _, err := tx.Exec(`DELETE FROM throttles WHERE key = ?`, key); err != nil {
		return fmt.Errorf("throttle: %w", err)
	}
	return nil
}

// Sign-in failures: the first few are free (typos), then each waits twice
// as long as the one before, and the tenth locks the email for 15 minutes.
const (
	signInFreeFailures = 3
	signInLockAfter    = 10
	signInLock         = 15 * time.Minute
	signInWindow       = 15 * time.Minute
)

func signInDelay(count int) time.Duration {
	switch {
	case count < signInFreeFailures:
		return 0
	case count >= signInLockAfter:
		return signInLock
	}
	return time.Second << (count - signInFreeFailures)
}

// resendDelay is the cooldown after the count-th send in a day: one minute,
// doubling each time, at most an hour.
func resendDelay(count int) time.Duration {
	d := backend.ResendCooldown
	for i := 1; i < count && d < backend.MaxResendBackoff; i++ {
		d *= 2
	}
	return min(d, backend.MaxResendBackoff)
}

func rateLimited(d time.Duration) error {
	secs := int((d + time.Second - 1) / time.Second)
	e := backend.Keyed(backend.ERATELIMITED, "errors.rate_limited", fmt.Sprintf("Too many attempts. Try again in %d seconds.", secs))
	e.RetryAfter = secs
	return e
}
