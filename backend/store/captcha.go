package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// CaptchaKey returns the key captcha challenges are signed with, made on
// first use. It lives in the database rather than in a flag so that every
// server on it accepts the others' challenges with nothing to configure. It
// has a table of its own: settings may one day travel to desktops by sync.
func (db *DB) CaptchaKey(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("captcha key: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO captcha_key (id, key, created_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING`,
		key, db.Now().UnixMilli()); err != nil {
		return nil, fmt.Errorf("captcha key: %w", err)
	}
	if err := db.write.QueryRowContext(ctx, `SELECT key FROM captcha_key WHERE id = 1`).Scan(&key); err != nil {
		return nil, fmt.Errorf("captcha key: %w", err)
	}
	return key, nil
}

// SpendCaptcha records a solved challenge until it expires and reports
// whether it was new; a replay finds it spent. Expired ones are deleted on
// the way, so the table holds at most the challenges of one lifetime.
func (db *DB) SpendCaptcha(ctx context.Context, id string, expires time.Time) (bool, error) {
	var fresh bool
	err := db.update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`DELETE FROM captcha_spent WHERE expires_at <= ?`, tx.now.UnixMilli()); err != nil {
			return fmt.Errorf("spend captcha: %w", err)
		}
		res, err := tx.Exec(`INSERT INTO captcha_spent (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, expires.UnixMilli())
		if err != nil {
			return fmt.Errorf("spend captcha: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("spend captcha: %w", err)
		}
		fresh = n == 1
		return nil
	})
	return fresh, err
}
