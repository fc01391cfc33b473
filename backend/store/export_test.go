package store

import "context"

// Backfill runs the backfill Open runs, for tests.
func (db *DB) Backfill(ctx context.Context) (int, error) { return db.backfill(ctx) }
