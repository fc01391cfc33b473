package vault_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/backend/store"
	"gatehouse/backend/store/storetest"
	"gatehouse/backend/vault"
)

// sharedDB is a database for vaults to share: a SQLite file, or a schema
// on the PostgreSQL server the tests use.
func sharedDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.MustPath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openVault(t *testing.T, shared vault.Shared) *vault.Vault {
	t.Helper()
	v, err := vault.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v.Shared = shared
	return v
}

func read(t *testing.T, v *vault.Vault, sum string) string {
	t.Helper()
	f, err := v.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSharedStore: two servers on one database, each with its own folder.
// A file stored through one is there for the other, whole and by range
// (sync serves ranges); files a server kept only in its folder before it
// shared its database are copied over once.
func TestSharedStore(t *testing.T) {
	db := sharedDB(t)
	a, b := openVault(t, db), openVault(t, db)
	big := pdf + strings.Repeat("%", 3<<20) // several of the database's chunks
	kf, err := a.Put(strings.NewReader(big), "deed.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Has(kf.SHA256) {
		t.Fatal("the other server does not have the file")
	}
	if got := read(t, b, kf.SHA256); got != big {
		t.Fatalf("the other server read %d bytes, want %d", len(got), len(big))
	}
	if countFiles(t, b.Dir) != 0 {
		t.Error("the other server's folder got a copy it was not asked for")
	}
	f, err := b.Open(kf.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		t.Fatal("a shared file cannot seek: sync could not serve a range of it")
	}
	if _, err := rs.Seek(int64(len(big))-100, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	tail, _ := io.ReadAll(rs)
	f.Close()
	if string(tail) != big[len(big)-100:] {
		t.Errorf("the last 100 bytes read back as %q", tail)
	}

	// A server that kept files in its folder alone, then shares.
	c := openVault(t, nil)
	old, err := c.Put(bytes.NewReader(pngBytes(t)), "scan.png")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Put(bytes.NewReader(jpegBytes(t)), "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	c.Shared = db
	if b.Has(old.SHA256) || b.Has(again.SHA256) {
		t.Fatal("the other server has files it was never given")
	}
	// Storing again a file the folder has sends it to the shared store.
	if _, err := c.Put(bytes.NewReader(jpegBytes(t)), "photo.jpg"); err != nil {
		t.Fatal(err)
	}
	if !b.Has(again.SHA256) || b.Has(old.SHA256) {
		t.Fatalf("after storing one file again: other has it %v, has the other %v", b.Has(again.SHA256), b.Has(old.SHA256))
	}
	for _, want := range []int{1, 0} {
		n, err := c.ShareLocal(context.Background())
		if err != nil || n != want {
			t.Fatalf("ShareLocal copied %d (%v), want %d", n, err, want)
		}
	}
	if got := read(t, b, old.SHA256); got != string(pngBytes(t)) {
		t.Error("the copied file reads back different")
	}
}

// TestSharedStoreDown: when the shared store cannot take a file, Put
// fails and the file is not in the folder either, so a retry stores it.
func TestSharedStoreDown(t *testing.T) {
	db := sharedDB(t)
	v := openVault(t, db)
	db.Close()
	if _, err := v.Put(strings.NewReader(pdf), "deed.pdf"); err == nil {
		t.Fatal("Put succeeded with the shared store down")
	}
	if n := countFiles(t, v.Dir); n != 0 {
		t.Fatalf("%d files left in the folder", n)
	}
	entries, _ := os.ReadDir(filepath.Join(v.Dir, "tmp"))
	if len(entries) != 0 {
		t.Fatalf("%d temporary files left", len(entries))
	}
}
