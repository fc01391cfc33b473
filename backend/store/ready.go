package store

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Ready reports whether the database answers and holds every migration
// this build embeds, for a readiness probe. It reads through the read pool,
// so a long write does not make the server look down.
func (db *DB) Ready(ctx context.Context) error {
	rows, err := db.read.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("ready: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	dir := db.eng.migrations()
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("ready: bad migration name %s", base)
		}
		if !applied[v] {
			return fmt.Errorf("ready: migration %s not applied", base)
		}
	}
	return nil
}
