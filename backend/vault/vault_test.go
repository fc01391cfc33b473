package vault_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/vault"
)

func pngBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
const encryptedPDF = "%PDF-1.6\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R /Encrypt 5 0 R /ID [<ab><ab>] >>\n%%EOF\n"

func TestPut(t *testing.T) {
	heic := append([]byte{0, 0, 0, 24}, []byte("ftypheic\x00\x00\x00\x00mif1heic")...)
	for _, tt := range []struct {
		name, file string
		body       []byte
		typ, code  string
	}{
		{"PNG", "scan.png", pngBytes(t), "image/png", ""},
		{"JPEG", "Паспорт стр. 1.JPG", jpegBytes(t), "image/jpeg", ""},
		{"PDF", "deed.pdf", []byte(pdf), "application/pdf", ""},
		{"HEIC", "IMG_0001.HEIC", heic, "image/heic", ""},
		{"NoExtensionTrustsContent", "scan", pngBytes(t), "image/png", ""},
		{"PNGNamedPDF", "contract.pdf", pngBytes(t), "", "file_type_mismatch"},
		{"PDFNamedJPEG", "photo.jpg", []byte(pdf), "", "file_type_mismatch"},
		{"Executable", "invoice.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), "", "file_type"},
		{"Text", "notes.pdf", []byte("just some text, not a PDF"), "", "file_type"},
		{"HTMLPretendingPNG", "a.png", []byte("<html><script>alert(1)</script></html>"), "", "file_type"},
		{"Empty", "empty.pdf", nil, "", "file_empty"},
		{"Encrypted", "locked.pdf", []byte(encryptedPDF), "", "file_encrypted"},
		{"JPEGHeaderOnly", "scan.jpg", []byte("\xff\xd8\xff\xe0\x00\x10"), "", "file_corrupt"},
		{"PNGCutShort", "scan.png", pngBytes(t)[:30], "", "file_corrupt"},
		{"JPEGWithTrailingBytes", "scan.jpg", append(jpegBytes(t), "trailing"...), "image/jpeg", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := vault.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			f, err := v.Put(bytes.NewReader(tt.body), tt.file)
			if tt.code != "" {
				var e *backend.Error
				if !asErr(err, &e) || e.Fields[0].Code != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				if n := countFiles(t, v.Dir); n != 0 {
					t.Fatalf("a refused file left %d files", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tt.body)
			if f.Type != tt.typ || f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(tt.body)) {
				t.Fatalf("got %+v", f)
			}
			r, err := v.Open(f.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(got, tt.body) {
				t.Fatal("stored bytes differ")
			}
			// The same content again is stored once.
			if _, err := v.Put(bytes.NewReader(tt.body), "again"+filepath.Ext(tt.file)); err != nil {
				t.Fatal(err)
			}
			if n := countFiles(t, v.Dir); n != 1 {
				t.Fatalf("%d files for one content", n)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	v, _ := vault.Open(t.TempDir())
	v.MaxSize = 1 << 20
	big := append([]byte(pdf), bytes.Repeat([]byte("0"), 1<<20)...)
	_, err := v.Put(bytes.NewReader(big), "big.pdf")
	var e *backend.Error
	if !asErr(err, &e) || e.Fields[0].Code != "file_too_large" {
		t.Fatalf("got %v", err)
	}
	if n := countFiles(t, v.Dir); n != 0 {
		t.Fatal("a refused file was kept")
	}
}

func TestEncryptMarkerAcrossChunks(t *testing.T) {
	v, _ := vault.Open(t.TempDir())
	// /Encrypt straddles io.Copy's 32 KiB buffer boundary.
	body := append([]byte(pdf), bytes.Repeat([]byte(" "), 32*1024-len(pdf)-4)...)
	body = append(body, []byte("/Encrypt 5 0 R")...)
	if _, err := v.Put(bytes.NewReader(body), "x.pdf"); err == nil || !strings.Contains(err.Error(), "file_encrypted") {
		t.Fatalf("got %v", err)
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":       "passwd",
		`C:\Users\anna\scan.pdf`: "scan.pdf",
		"scan\u202egpj.exe":      "scangpj.exe",
		"..":                     "file",
		"":                       "file",
		"a\x00b.pdf":             "ab.pdf",
		strings.Repeat("я", 300): strings.Repeat("я", 200),
	} {
		if got := vault.DisplayName(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// TestKillDuringWrite kills a process in the middle of writing a file: no
// file may appear under a final name, only a temporary one that the next
// Open clears once it is old.
func TestKillDuringWrite(t *testing.T) {
	if os.Getenv("VAULT_CHILD") != "" {
		v, _ := vault.Open(os.Getenv("VAULT_CHILD"))
		v.MaxSize = 1 << 30
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte(pdf))
			for {
				pw.Write(bytes.Repeat([]byte("x"), 64<<10))
				time.Sleep(time.Millisecond)
			}
		}()
		v.Put(pr, "slow.pdf")
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKillDuringWrite$")
	cmd.Env = append(os.Environ(), "VAULT_CHILD="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	if n := countFiles(t, dir); n != 0 {
		t.Fatalf("%d files under final names after a kill", n)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(entries) != 1 {
		t.Fatalf("want the one temporary file, got %d", len(entries))
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(dir, "tmp", entries[0].Name()), old, old)
	if _, err := vault.Open(dir); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) != 0 {
		t.Fatal("Open did not clear the stale temporary file")
	}
}

// TestBatch stores files together: nothing is under a final name before
// Commit, a file given twice is stored once, a refused file does not spoil
// the others, and a batch closed without Commit leaves nothing behind.
func TestBatch(t *testing.T) {
	for _, tt := range []struct {
		name   string
		files  []string // contents; "bad" is refused
		commit bool
		stored int // files under final names after
	}{
		{"Commit", []string{pdf, "%PDF-1.4 second\n", "%PDF-1.4 third\n"}, true, 3},
		{"SameFileTwice", []string{pdf, pdf}, true, 1},
		{"RefusedFileSkipped", []string{pdf, "bad", "%PDF-1.4 second\n"}, true, 2},
		{"ClosedWithoutCommit", []string{pdf, "%PDF-1.4 second\n"}, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			v, err := vault.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			b := v.Batch()
			var sums []string
			for i, body := range tt.files {
				f, err := b.Put(strings.NewReader(body), fmt.Sprintf("f%d.pdf", i))
				if body == "bad" {
					if err == nil {
						t.Fatal("a file that is no PDF was taken")
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				sums = append(sums, f.SHA256)
			}
			if n := countFiles(t, dir); n != 0 {
				t.Fatalf("%d files under final names before Commit", n)
			}
			if tt.commit {
				if err := b.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			b.Close()
			if got := countFiles(t, dir); got != tt.stored {
				t.Fatalf("stored %d, want %d", got, tt.stored)
			}
			for _, sum := range sums {
				if got := v.Has(sum); got != tt.commit {
					t.Fatalf("Has(%s) = %v after commit=%v", sum[:8], got, tt.commit)
				}
			}
			if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) != 0 {
				t.Fatalf("%d temporary files left", len(entries))
			}
		})
	}
}

// countFiles counts files under final names (not in tmp/).
func countFiles(t testing.TB, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if err == nil && !d.IsDir() && !strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
			n++
		}
		return nil
	})
	return n
}

func asErr(err error, target **backend.Error) bool {
	e, ok := err.(*backend.Error)
	if ok {
		*target = e
	}
	return ok
}

// BenchmarkPut stores 1, 10 and 100 MB files and reports the peak heap:
// it stays flat because the file streams through a fixed buffer.
//
//	go test -run '^$' -bench BenchmarkPut -benchtime 5x ./backend/vault/
func BenchmarkPut(b *testing.B) {
	for _, mb := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			v, _ := vault.Open(b.TempDir())
			v.MaxSize = 1 << 30
			b.SetBytes(int64(mb) << 20)
			var peak uint64
			for i := 0; i < b.N; i++ {
				r := io.MultiReader(strings.NewReader(pdf), &counter{n: int64(mb)<<20 - int64(len(pdf)), seed: byte(i)})
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				if _, err := v.Put(r, "big.pdf"); err != nil {
					b.Fatal(err)
				}
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				if d := after.TotalAlloc - before.TotalAlloc; d > peak {
					peak = d
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "alloc-MiB/op")
		})
	}
}

// counter yields n pseudo-random bytes without holding them in memory.
type counter struct {
	n    int64
	seed byte
}

func (c *counter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	for i := range p {
		c.seed = c.seed*31 + 7
		p[i] = c.seed
	}
	c.n -= int64(len(p))
	return len(p), nil
}

// TestOldLayout: a vault written with two levels of folders is still read.
func TestOldLayout(t *testing.T) {
	dir := t.TempDir()
	v, err := vault.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	body := pngBytes(t)
	sum := fmt.Sprintf("%x", sha256.Sum256(body))
	old := filepath.Join(dir, sum[:2], sum[2:4], sum)
	if err := os.MkdirAll(filepath.Dir(old), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if !v.Has(sum) {
		t.Fatal("a file in the old layout is not found")
	}
	f, err := v.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, body) {
		t.Error("the old layout's file reads back different")
	}
	// Storing it again keeps the one copy.
	if _, err := v.Put(bytes.NewReader(body), "x.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, sum[:2], sum)); err == nil {
		t.Error("the file was stored a second time in the new layout")
	}
}
