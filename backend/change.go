package backend

import (
	"fmt"
	"sync"
	"time"
)

// Change is one entry of the change log: every business write appends one in
// the same transaction, and sync pushes them to the server. ID makes a push
// idempotent; HLC orders concurrent edits of the same field across devices.
type Change struct {
	ID       string `json:"id"`
	Entity   string `json:"entity"` // table-like name: "user", "consent"...
	EntityID string `json:"entityId"`
	Op       string `json:"op"` // "upsert" or "delete" (a tombstone)
	Data     any    `json:"data"`
	HLC      string `json:"hlc"`
	// Base holds, per column, the clock of the value the writer replaced:
	// a receiver whose value has another clock knows the two were concurrent.
	Base map[string]string `json:"base,omitempty"`
	// Seq is the change's position in the server's log (pull answers only).
	Seq int64 `json:"seq,omitempty"`
}

// HLC is a hybrid logical clock: wall time in milliseconds, a counter for
// events within the same millisecond or behind a clock that went back, and
// the node's id to break ties. Its string form sorts in causal order.
type HLC struct {
	mu      sync.Mutex
	Node    string
	Now     func() time.Time
	wall    int64
	logical uint32
}

// Next returns a timestamp later than every one this clock issued or saw.
func (c *HLC) Next() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now().UnixMilli()
	if now > c.wall {
		c.wall, c.logical = now, 0
	} else {
		c.logical++
	}
	return fmt.Sprintf("%013d-%05d-%s", c.wall, c.logical, c.Node)
}

// HLCWall returns a timestamp's wall time in Unix milliseconds; ok is false
// when ts is not an HLC timestamp.
func HLCWall(ts string) (wall int64, ok bool) {
	var logical uint32
	var node string
	if len(ts) < 21 || len(ts) > 64 {
		return 0, false
	}
	if wall, _, ok := hlcPrefix(ts); ok && printable(ts[20:]) {
		return wall, true // what Sscanf below makes of it, without its cost
	}
	if _, err := fmt.Sscanf(ts, "%013d-%05d-%s", &wall, &logical, &node); err != nil || node == "" {
		return 0, false
	}
	return wall, true
}

// Observe moves the clock past a timestamp received from another node.
func (c *HLC) Observe(ts string) {
	wall, logical, ok := hlcPrefix(ts)
	if !ok {
		if _, err := fmt.Sscanf(ts, "%013d-%05d-", &wall, &logical); err != nil {
			return
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if wall > c.wall || (wall == c.wall && logical > c.logical) {
		c.wall, c.logical = wall, logical
	}
}

// hlcPrefix reads "wwwwwwwwwwwww-lllll-" (13 and 5 digits) at the start of
// ts, the form Next writes; ok is false for anything else, which then goes
// through fmt.Sscanf. A first sync reads thousands of clocks.
func hlcPrefix(ts string) (wall int64, logical uint32, ok bool) {
	if len(ts) < 20 || ts[13] != '-' || ts[19] != '-' {
		return 0, 0, false
	}
	for i := 0; i < 19; i++ {
		if i == 13 {
			continue
		}
		d := ts[i]
		if d < '0' || d > '9' {
			return 0, 0, false
		}
		if i < 13 {
			wall = wall*10 + int64(d-'0')
		} else {
			logical = logical*10 + uint32(d-'0')
		}
	}
	return wall, logical, true
}

// printable: ASCII without spaces, which %s reads whole.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
