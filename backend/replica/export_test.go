package replica

import (
	"context"
	"testing"
)

// TokenForTest returns the device token this desktop keeps.
func (c *Client) TokenForTest(tb testing.TB) string {
	st, err := c.DB.SyncState(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return st[keyToken]
}

// UploadForTest sends one file as a sync round would.
func (c *Client) UploadForTest(ctx context.Context, sum string) error {
	c.init()
	st, err := c.DB.SyncState(ctx)
	if err != nil {
		return err
	}
	return c.uploadFile(ctx, st[keyServer], st[keyToken], sum)
}
