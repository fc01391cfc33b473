package store

import (
	"context"
	"fmt"
	"strings"
)

// Records written before sync existed have no field clocks, and migration
// 0005 set their log entries (in the old format) aside, so on their own
// they would reach a server only when next edited. backfill logs each such
// record whole, as appendChange logs any record it has no clocks for, once
// per database, the first time it is opened by a version that syncs.

// backfillBatch is how many records one transaction logs: a desktop with
// years of records is logged in short transactions, and one killed half
// way resumes where it stopped (a record logged has its clocks).
const backfillBatch = 500

// backfillDone marks, in sync_state, a database whose records are all
// logged in the sync format.
const backfillDone = "backfill"

// backfill logs the records without field clocks and returns how many.
// Settings are left out: every node has the same keys, and a clock of now
// would outrank the server's edited password policy. An immutable record
// (a consent, a KYC event) has no clocks: it is logged with the record it
// belongs to, in the same transaction.
func (db *DB) backfill(ctx context.Context) (int, error) {
	var done int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sync_state WHERE key = ?`, backfillDone).Scan(&done); err != nil {
		return 0, fmt.Errorf("backfill: %w", err)
	}
	if done > 0 {
		return 0, nil
	}
	logged := 0
	for _, e := range syncEntities() {
		e = db.entities[e.name]
		if e.immutable || e.name == "setting" {
			continue
		}
		ids, err := db.unclocked(ctx, e)
		if err != nil {
			return logged, err
		}
		for start := 0; start < len(ids); start += backfillBatch {
			part := ids[start:min(start+backfillBatch, len(ids))]
			err := db.update(ctx, func(tx *Tx) error {
				for _, id := range part {
					if err := tx.appendChange(e.name, id, "upsert", nil); err != nil {
						return err
					}
					if err := tx.backfillOwned(e, id); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return logged, fmt.Errorf("backfill %s: %w", e.name, err)
			}
			logged += len(part)
		}
	}
	err := db.update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO sync_state (key, value) VALUES (?, 'done') ON CONFLICT (key) DO NOTHING`, backfillDone)
		return err
	})
	if err != nil {
		return logged, fmt.Errorf("backfill: %w", err)
	}
	return logged, nil
}

// unclocked lists the ids of e's records that have no field clocks.
func (db *DB) unclocked(ctx context.Context, e *syncEntity) ([]string, error) {
	cols := make([]string, len(e.key))
	for i, k := range e.key {
		cols[i] = "t." + k
	}
	id := strings.Join(cols, ` || '/' || `)
	rows, err := db.read.QueryContext(ctx, `SELECT `+id+` FROM `+e.table+` t WHERE NOT EXISTS
		(SELECT 1 FROM row_clocks c WHERE c.entity = ? AND c.entity_id = `+id+`) ORDER BY `+strings.Join(e.key, ", "), e.name)
	if err != nil {
		return nil, fmt.Errorf("backfill %s: %w", e.name, err)
	}
	ids, err := scanTexts(rows)
	if err != nil {
		return nil, fmt.Errorf("backfill %s: %w", e.name, err)
	}
	return ids, nil
}

// backfillOwned logs the immutable records that name record id of e (a
// user's consents, a KYC case's events). One logged before is logged
// again, which changes nothing: an immutable record's first copy is the
// record everywhere.
func (tx *Tx) backfillOwned(e *syncEntity, id string) error {
	for _, o := range tx.db.entities {
		if !o.immutable {
			continue
		}
		for col, target := range o.refs {
			if target != e.name {
				continue
			}
			owned, err := tx.texts(`SELECT `+o.key[0]+` FROM `+o.table+` WHERE `+col+` = ? ORDER BY `+o.key[0], id)
			if err != nil {
				return err
			}
			for _, oid := range owned {
				if err := tx.appendChange(o.name, oid, "upsert", nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
