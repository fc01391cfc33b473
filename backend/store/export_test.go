package store

import "context"

// Backfill runs the backfill Open runs, for tests.
func (db *DB) Backfill(ctx context.Context) (int, error) { return db.backfill(ctx) }

// SetBroadSearch makes searches of n matches or more broad (see
// searchCondition) until the returned function puts it back.
func SetBroadSearch(n int) func() {
	old := broadSearch
	broadSearch = n
	return func() { broadSearch = old }
}

// SetFileChunk makes stored files' chunks n bytes until the returned
// function puts it back.
func SetFileChunk(n int) func() {
	old := fileChunk
	fileChunk = n
	return func() { fileChunk = old }
}
