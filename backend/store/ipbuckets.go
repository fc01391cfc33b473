package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gatehouse/backend"
)

// takeTokenSQL takes a token from a bucket in one statement, so servers
// taking from one bucket at once each see the other's take. avail is what
// the bucket holds now: what it held, refilled for the time since, at most
// burst. A refused request takes nothing. Parameters: key, burst, now
// (ms), then burst, now, rate (tokens per ms) for each use of avail.
var takeTokenSQL = func() string {
	const avail = `min(?, ip_buckets.tokens + max(0, ? - ip_buckets.updated_at) * CAST(? AS DOUBLE PRECISION))`
	return `INSERT INTO ip_buckets (key, tokens, taken, updated_at) VALUES (?, ? - 1, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			tokens = CASE WHEN ` + avail + ` >= 1 THEN ` + avail + ` - 1 ELSE ` + avail + ` END,
			taken = CASE WHEN ` + avail + ` >= 1 THEN 1 ELSE 0 END,
			updated_at = excluded.updated_at
		RETURNING tokens, taken`
}()

// TakeToken takes a token from the bucket of a client address, which
// refills at perSecond up to burst, for servers that share this database
// (httpapi.IPLimiter.Shared): a client reaching several servers gets the
// rate once. When the bucket is empty it says how long until a token. The
// address is kept hashed, and for an hour at most after its last request.
func (db *DB) TakeToken(ctx context.Context, addr string, perSecond float64, burst int) (ok bool, retryAfter time.Duration, err error) {
	if burst < 1 || perSecond <= 0 {
		return false, time.Minute, nil
	}
	now := ms(db.Now())
	perMs := perSecond / 1000
	key := backend.HashToken("ip:" + addr)
	args := []any{key, burst, now}
	for range 4 { // avail is used four times
		args = append(args, burst, now, perMs)
	}
	q := takeTokenSQL
	if db.eng.postgres {
		q = strings.NewReplacer("min(", "LEAST(", "max(", "GREATEST(").Replace(q)
	}
	var tokens float64
	var taken int
	if err := db.write.QueryRowContext(ctx, q, args...).Scan(&tokens, &taken); err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	// Now and then, forget addresses whose buckets are full again.
	if rand.IntN(1000) == 0 {
		idle := max(int64(time.Hour/time.Millisecond), int64(float64(burst)/perMs))
		if _, err := db.write.ExecContext(ctx, `DELETE FROM ip_buckets WHERE updated_at < ?`, now-idle); err != nil {
			return false, 0, fmt.Errorf("rate limit: %w", err)
		}
	}
	if taken == 1 {
		return true, 0, nil
	}
	return false, time.Duration((1-tokens)/perMs*float64(time.Millisecond)) + time.Millisecond, nil
}
