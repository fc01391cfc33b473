// Package vault stores KYC files: each once, under its SHA-256, checked by
// content and size, written to a temporary file, synced and renamed, so a
// crash never leaves half a file under a final name.
package vault

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers the decoders readableImage uses
	_ "image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
)

// Vault is a folder of content-addressed files.
type Vault struct {
	Dir     string
	MaxSize int64 // per file; backend.MaxKYCFileSize by default
	// Shared, when set, is where files live for every server that shares
	// one database and no folder (store.DB on PostgreSQL): Put stores each
	// new file there before it returns, and Has and Open look there for a
	// file this server's folder lacks. The folder keeps a copy of what
	// passed through this server, read without a round trip.
	Shared Shared
}

// Shared keeps files by SHA-256 where every server can reach them.
// StoreFile checks that the content has that hash.
type Shared interface {
	HasFile(ctx context.Context, sum string) (bool, error)
	StoreFile(ctx context.Context, sum string, r io.Reader) error
	OpenFile(ctx context.Context, sum string) (io.ReadSeekCloser, error)
}

// Open prepares the folder and removes temporary files that a crash left.
func Open(dir string) (*Vault, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	v := &Vault{Dir: dir, MaxSize: backend.MaxKYCFileSize}
	entries, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.Remove(filepath.Join(dir, "tmp", e.Name()))
		}
	}
	return v, nil
}

// types the vault accepts, by what their content starts with.
var extTypes = map[string]string{
	".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
	".heic": "image/heic", ".heif": "image/heic",
}

// sniff tells a file's type from its first bytes, "" if not accepted.
func sniff(head []byte) string {
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch string(head[8:12]) {
		case "heic", "heix", "hevc", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		}
	}
	switch t := http.DetectContentType(head); t {
	case "application/pdf", "image/jpeg", "image/png":
		return t
	}
	return ""
}

func fileError(code string, params map[string]any) error {
	var f backend.Fields
	f.Add("files", code, params)
	return f.Err()
}

// encryptScanner looks for the /Encrypt key of a PDF trailer as the file
// streams by, across chunk boundaries, without allocating per chunk.
type encryptScanner struct {
	tail    [len(encryptKey) - 1]byte
	tailLen int
	scratch [2 * len(encryptKey)]byte
	found   bool
}

const encryptKey = "/Encrypt"

func (s *encryptScanner) Write(p []byte) (int, error) {
	if s.found {
		return len(p), nil
	}
	const n = len(encryptKey) - 1
	// The key may start in the previous chunk's last n bytes.
	edge := append(s.scratch[:0], s.tail[:s.tailLen]...)
	edge = append(edge, p[:min(len(p), n)]...)
	if bytes.Contains(edge, []byte(encryptKey)) || bytes.Contains(p, []byte(encryptKey)) {
		s.found = true
		return len(p), nil
	}
	if len(p) >= n {
		s.tailLen = copy(s.tail[:], p[len(p)-n:])
	} else {
		s.tailLen = copy(s.tail[:], edge[max(0, len(edge)-n):])
	}
	return len(p), nil
}

// readableImage says whether a JPEG or PNG file's header decodes to an
// image of some size: a file cut short, or one that only starts like an
// image, would show a reviewer nothing. Other types pass.
func readableImage(f *os.File, typ string) bool {
	if typ != "image/jpeg" && typ != "image/png" {
		return true
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false
	}
	cfg, _, err := image.DecodeConfig(bufio.NewReader(f))
	return err == nil && cfg.Width > 0 && cfg.Height > 0
}

// Put stores a file and describes it. name is the user's name for it: its
// extension must agree with the content, and it is kept for display only.
// Errors are EINVALID on field "files": file_empty, file_too_large,
// file_type, file_type_mismatch, file_encrypted, file_corrupt.
func (v *Vault) Put(r io.Reader, name string) (backend.KYCFile, error) {
	b := v.Batch()
	defer b.Close()
	f, err := b.Put(r, name)
	if err != nil {
		return backend.KYCFile{}, err
	}
	return f, b.Commit()
}

// Batch stores several files with one round of syncs: the files are
// written to tmp/ as they come, then Commit syncs them all at once,
// renames them into place and syncs the folders they went to. A file
// reaches its final name only once its content is on disk, so a crash
// leaves at most temporary files (Open removes them), never half a file
// under a hash.
func (v *Vault) Batch() backend.FileBatch { return &Batch{v: v, sums: map[string]bool{}} }

// Batch is a set of files being stored together; see Vault.Batch.
type Batch struct {
	v       *Vault
	mu      sync.Mutex // Put may run concurrently: creating files is slow on some disks, and overlaps well
	pending []pending
	sums    map[string]bool // in this batch already
}

type pending struct {
	tmp *os.File
	sum string
}

// Put checks and writes a file; it is stored when Commit returns. Errors
// are Vault.Put's.
func (b *Batch) Put(r io.Reader, name string) (backend.KYCFile, error) {
	v := b.v
	max := v.MaxSize
	if max <= 0 {
		max = backend.MaxKYCFileSize
	}
	display := DisplayName(name)
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return backend.KYCFile{}, fmt.Errorf("vault: read: %w", err)
	}
	head = head[:n]
	if n == 0 {
		return backend.KYCFile{}, fileError("file_empty", map[string]any{"name": display})
	}
	typ := sniff(head)
	if typ == "" {
		return backend.KYCFile{}, fileError("file_type", map[string]any{"name": display})
	}
	if claimed, ok := extTypes[strings.ToLower(filepath.Ext(display))]; ok && claimed != typ {
		return backend.KYCFile{}, fileError("file_type_mismatch", map[string]any{"name": display, "claimed": claimed, "actual": typ})
	}
	tmp, err := os.CreateTemp(filepath.Join(v.Dir, "tmp"), "put-*")
	if err != nil {
		return backend.KYCFile{}, fmt.Errorf("vault: %w", err)
	}
	discard := func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	h := sha256.New()
	var enc encryptScanner
	w := io.MultiWriter(tmp, h, &enc)
	size, err := io.Copy(w, io.LimitReader(io.MultiReader(bytes.NewReader(head), r), max+1))
	if err != nil {
		discard()
		return backend.KYCFile{}, fmt.Errorf("vault: write: %w", err)
	}
	if size > max {
		discard()
		return backend.KYCFile{}, fileError("file_too_large", map[string]any{"name": display, "maxMB": max >> 20})
	}
	if typ == "application/pdf" && enc.found {
		discard()
		return backend.KYCFile{}, fileError("file_encrypted", map[string]any{"name": display})
	}
	if !readableImage(tmp, typ) {
		discard()
		return backend.KYCFile{}, fileError("file_corrupt", map[string]any{"name": display})
	}
	sum := hex.EncodeToString(h.Sum(nil))
	kf := backend.KYCFile{SHA256: sum, Size: size, Type: typ, Name: display}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sums[sum] || v.stored(sum) {
		discard() // stored once
		return kf, nil
	}
	b.sums[sum] = true
	b.pending = append(b.pending, pending{tmp: tmp, sum: sum})
	return kf, nil
}

// syncers bounds the syncs in flight: concurrent syncs let the file
// system write them in one journal commit rather than one each.
const syncers = 16

// syncAll syncs files concurrently and closes them.
func syncAll(files []*os.File) error {
	errs := make([]error, len(files))
	sem := make(chan struct{}, syncers)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f.Sync()
			if err := f.Close(); errs[i] == nil {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Commit makes every file of the batch durable under its hash: the
// contents are synced before any rename, and the folders after them, so
// the rows that name these files may be written once it returns.
func (b *Batch) Commit() error {
	files := make([]*os.File, len(b.pending))
	for i, p := range b.pending {
		files[i] = p.tmp
	}
	if err := syncAll(files); err != nil {
		return fmt.Errorf("vault: sync: %w", err)
	}
	if b.v.Shared != nil {
		for _, p := range b.pending {
			if err := b.v.share(context.Background(), p.tmp.Name(), p.sum); err != nil {
				return err
			}
		}
	}
	dirs := map[string]bool{}
	for len(b.pending) > 0 {
		p := b.pending[0]
		final := b.v.path(p.sum)
		// A folder made now must reach the disk too: its parent is synced.
		dir := filepath.Dir(final)
		if err := os.Mkdir(dir, 0o700); err == nil {
			dirs[b.v.Dir] = true
		} else if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("vault: %w", err)
		}
		if err := os.Rename(p.tmp.Name(), final); err != nil {
			return fmt.Errorf("vault: rename: %w", err)
		}
		dirs[filepath.Dir(final)] = true
		b.pending = b.pending[1:]
	}
	return b.v.syncDirs(dirs)
}

// syncDirs makes renames and new entries in these folders survive a power
// cut. Windows cannot sync a folder and needs not: its renames are
// journalled.
func (v *Vault) syncDirs(dirs map[string]bool) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	files := make([]*os.File, 0, len(dirs))
	for dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			syncAll(files) // closes them
			return fmt.Errorf("vault: %w", err)
		}
		files = append(files, d)
	}
	if err := syncAll(files); err != nil {
		return fmt.Errorf("vault: sync folder: %w", err)
	}
	return nil
}

// Close removes the temporary files of a batch that was not committed.
func (b *Batch) Close() {
	for _, p := range b.pending {
		p.tmp.Close()
		os.Remove(p.tmp.Name())
	}
	b.pending = nil
}

// path is where a file with this hash lives: 256 folders by the first
// byte, so after the first few hundred files a new file makes no new
// folder (each new folder costs a create and a sync of its parent, which
// dominated storing emailed documents). ext4 and NTFS index large folders,
// so a million files (4,000 a folder) stay fast. Only hex digests reach
// it, never a user's text.
func (v *Vault) path(sum string) string {
	return filepath.Join(v.Dir, sum[:2], sum)
}

// oldPath is where vaults made before the one-level layout keep a file;
// reads look there too, so such a vault needs no migration.
func (v *Vault) oldPath(sum string) string {
	return filepath.Join(v.Dir, sum[:2], sum[2:4], sum)
}

// find returns the stored file's path, in either layout.
func (v *Vault) find(sum string) (string, error) {
	p := v.path(sum)
	_, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		if _, oldErr := os.Stat(v.oldPath(sum)); oldErr == nil {
			return v.oldPath(sum), nil
		}
	}
	return p, err
}

func validSum(sum string) bool {
	if len(sum) != 64 {
		return false
	}
	_, err := hex.DecodeString(sum)
	return err == nil
}

// Open opens a stored file.
func (v *Vault) Open(sum string) (io.ReadCloser, error) {
	if !validSum(sum) {
		return nil, fmt.Errorf("vault: bad hash %q", sum)
	}
	p, err := v.find(sum)
	if errors.Is(err, fs.ErrNotExist) && v.Shared != nil {
		return v.Shared.OpenFile(context.Background(), sum)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return f, nil
}

// Has reports whether a file is stored (sync sends only what is missing).
func (v *Vault) Has(sum string) bool {
	if !validSum(sum) {
		return false
	}
	if _, err := v.find(sum); err == nil {
		return true
	}
	return v.Shared != nil && v.sharedHas(sum)
}

// stored says whether a file needs storing no more: in the shared store
// when there is one (a copy only in this folder must still go there), else
// in the folder.
func (v *Vault) stored(sum string) bool {
	if v.Shared != nil {
		return v.sharedHas(sum)
	}
	return v.Has(sum)
}

// sharedHas asks the shared store; a failed answer is "no", which at worst
// stores or transfers the file once more.
func (v *Vault) sharedHas(sum string) bool {
	has, err := v.Shared.HasFile(context.Background(), sum)
	return err == nil && has
}

// share copies the file at path, whose SHA-256 is sum, to the shared store.
func (v *Vault) share(ctx context.Context, path, sum string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	defer f.Close()
	if err := v.Shared.StoreFile(ctx, sum, f); err != nil {
		return fmt.Errorf("vault: share: %w", err)
	}
	return nil
}

// ShareLocal copies to the shared store every file of the folder it lacks:
// the files a server stored before it shared its database with others. It
// returns how many it copied.
func (v *Vault) ShareLocal(ctx context.Context) (int, error) {
	if v.Shared == nil {
		return 0, nil
	}
	copied := 0
	err := filepath.WalkDir(v.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != v.Dir && d.Name() == "tmp" {
				return filepath.SkipDir
			}
			return ctx.Err()
		}
		sum := d.Name()
		if !validSum(sum) || v.sharedHas(sum) {
			return nil
		}
		if err := v.share(ctx, path, sum); err != nil {
			return err
		}
		copied++
		return nil
	})
	return copied, err
}

// DisplayName makes a user's file name safe to show and store as text: no
// folders, no control or direction characters, at most 200 characters.
func DisplayName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "" || name == "/" || name == "." || name == ".." {
		name = "file"
	}
	return name
}
