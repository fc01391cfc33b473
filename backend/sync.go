package backend

import (
	"context"
	"time"
)

// Device is a desktop allowed to sync with a server, by a token the server
// stores hashed. An administrator can revoke it.
type Device struct {
	ID         string     `json:"id"`
	UserID     string     `json:"userId"`
	UserName   string     `json:"userName"`
	UserEmail  string     `json:"userEmail"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastSeenAt *time.Time `json:"lastSeenAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// Conflict is a value (or a whole record) that lost to a concurrent write
// during sync, kept so an administrator can review it and put it back.
type Conflict struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"` // field | unique | deleted
	Entity     string     `json:"entity"`
	EntityID   string     `json:"entityId"`
	Field      string     `json:"field"`
	Kept       any        `json:"kept"`
	Lost       any        `json:"lost"`
	Detail     string     `json:"detail"`
	CreatedAt  time.Time  `json:"createdAt"`
	ResolvedAt *time.Time `json:"resolvedAt,omitempty"`
	Resolution string     `json:"resolution,omitempty"` // kept | reversed
}

// SyncStatus is what the desktop shows about its sync with the server.
type SyncStatus struct {
	Server     string     `json:"server"` // "" when this desktop works alone
	DeviceName string     `json:"deviceName"`
	Online     bool       `json:"online"`
	Syncing    bool       `json:"syncing"`
	Pending    int        `json:"pending"` // local changes the server has not acknowledged
	Conflicts  int        `json:"conflicts"`
	LastSync   *time.Time `json:"lastSync,omitempty"`
	LastError  string     `json:"lastError,omitempty"`
	// LastErrorKey is LastError's i18n key, when it has one.
	LastErrorKey string `json:"lastErrorKey,omitempty"`
	// Received counts the changes from the server applied here since the
	// app started: when it grows, what is on screen may be out of date.
	Received int `json:"received"`
	// Receiving is how much of a pull of several pages (a new desktop's
	// first sync, or one after long offline) is done, 1 to 99 percent; 0
	// when none is under way.
	Receiving int `json:"receiving"`
}

// SyncAdmin is what administrators do about sync: review conflicts (on any
// node) and the desktops registered with a server.
type SyncAdmin interface {
	Conflicts(ctx context.Context, includeResolved bool) ([]Conflict, error)
	// ResolveConflict keeps what won, or (reverse) writes the lost value
	// back as a new change.
	ResolveConflict(ctx context.Context, id string, reverse bool) error
	Devices(ctx context.Context) ([]Device, error)
	RevokeDevice(ctx context.Context, id string) error
}
