package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"sync"
	"testing"

	"gatehouse/backend/store"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestFilesInTheDatabase: files stored in chunks read back whole and from
// any position, on both engines, and a second store of the same file (by
// another server at the same moment) is harmless.
func TestFilesInTheDatabase(t *testing.T) {
	defer store.SetFileChunk(1000)()
	ctx := context.Background()
	db := MustOpenDB(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 999, 1000, 1001, 4500} {
		content := make([]byte, size)
		for i := range content {
			content[i] = byte(rnd.IntN(256))
		}
		sum := sha(content)
		if has, err := db.HasFile(ctx, sum); err != nil || has {
			t.Fatalf("%d bytes: has before storing = %v, %v", size, has, err)
		}
		// Two servers storing the same upload at once.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.StoreFile(ctx, sum, bytes.NewReader(content))
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if has, err := db.HasFile(ctx, sum); err != nil || !has {
			t.Fatalf("%d bytes: has after storing = %v, %v", size, has, err)
		}
		f, err := db.OpenFile(ctx, sum)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("%d bytes: read back %d bytes, %v", size, len(got), err)
		}
		// Ranges, as http.ServeContent reads them: across chunk
		// boundaries, at the end, from the end.
		for _, r := range []struct {
			off    int64
			whence int
			n      int
		}{{0, io.SeekStart, 10}, {995, io.SeekStart, 10}, {int64(size) - 1, io.SeekStart, 5}, {-3, io.SeekEnd, 3}, {0, io.SeekEnd, 1}} {
			if r.whence == io.SeekEnd && -r.off > int64(size) {
				continue
			}
			pos, err := f.Seek(r.off, r.whence)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, r.n)
			n, err := io.ReadFull(f, buf)
			want := content[min(int(pos), size):min(int(pos)+r.n, size)]
			if !bytes.Equal(buf[:n], want) || (n < r.n) != (err != nil) {
				t.Errorf("%d bytes: %d bytes at %d (whence %d): got %d bytes (%v), want %d", size, r.n, r.off, r.whence, n, err, len(want))
			}
		}
		if _, err := f.Seek(-1, io.SeekStart); err == nil {
			t.Errorf("%d bytes: a seek before the start was allowed", size)
		}
		f.Close()
	}
}

// TestStoreFileRefusesAWrongHash: content that is not what its name says
// stores nothing, and a file never stored is "not found".
func TestStoreFileRefusesAWrongHash(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	sum := sha([]byte("the real content"))
	if err := db.StoreFile(ctx, sum, bytes.NewReader([]byte("something else"))); err == nil {
		t.Fatal("a file stored under another file's hash")
	}
	if has, err := db.HasFile(ctx, sum); err != nil || has {
		t.Fatalf("has = %v, %v after a refused store", has, err)
	}
	if _, err := db.OpenFile(ctx, sum); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("opening a missing file: %v, want fs.ErrNotExist", err)
	}
}
