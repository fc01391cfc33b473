package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// Files kept in the database are for servers that share a PostgreSQL
// database and no folder: a KYC file stored through one server must be
// readable through any (vault.Vault.Shared). Each file is split into
// chunks, so storing, reading and serving a range of a large file hold one
// chunk in memory, never the file.

// fileChunk is the size of a stored chunk: 1 MiB keeps each row well under
// what either engine handles comfortably and a 20 MB file to 20 rows.
// Tests make it small to cross chunk boundaries with small files.
var fileChunk = 1 << 20

// HasFile says whether a file with this SHA-256 is stored in the database.
func (db *DB) HasFile(ctx context.Context, sum string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM file_blobs WHERE sha256 = ?`, sum).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("file %s: %w", sum, err)
	}
	return true, nil
}

// StoreFile stores r's content under sum, which must be its SHA-256 (it
// is checked: a mismatch stores nothing). Storing a file that is there
// already, or that another server stores at the same moment, is not an
// error: the content is the same. It runs beside other writes (unordered,
// see transact): a large file must not hold up every other write.
func (db *DB) StoreFile(ctx context.Context, sum string, r io.Reader) error {
	return db.transact(ctx, false, func(tx *Tx) error {
		h := sha256.New()
		buf := make([]byte, fileChunk)
		var size int64
		for n := 0; ; n++ {
			got, err := io.ReadFull(r, buf)
			if got > 0 {
				h.Write(buf[:got])
				size += int64(got)
				if _, err := tx.Exec(`INSERT INTO file_chunks (sha256, n, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, sum, n, buf[:got]); err != nil {
					return fmt.Errorf("store file %s: %w", sum, err)
				}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("store file %s: read: %w", sum, err)
			}
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			return fmt.Errorf("store file %s: the content's SHA-256 is %s", sum, got)
		}
		_, err := tx.Exec(`INSERT INTO file_blobs (sha256, size, chunk_size, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			sum, size, fileChunk, ms(tx.now))
		if err != nil {
			return fmt.Errorf("store file %s: %w", sum, err)
		}
		return nil
	})
}

// OpenFile opens a file stored in the database, for reading from any
// position. A file that is not there is an error that wraps
// fs.ErrNotExist.
func (db *DB) OpenFile(ctx context.Context, sum string) (io.ReadSeekCloser, error) {
	f := &dbFile{ctx: ctx, db: db, sum: sum, loaded: -1}
	err := db.read.QueryRowContext(ctx, `SELECT size, chunk_size FROM file_blobs WHERE sha256 = ?`, sum).Scan(&f.size, &f.chunk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("file %s: %w", sum, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", sum, err)
	}
	if f.chunk <= 0 {
		return nil, fmt.Errorf("file %s: bad chunk size %d", sum, f.chunk)
	}
	return f, nil
}

// dbFile reads a stored file a chunk at a time.
type dbFile struct {
	ctx         context.Context
	db          *DB
	sum         string
	size, chunk int64
	pos         int64
	buf         []byte
	loaded      int64 // the chunk in buf; -1: none
}

func (f *dbFile) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	n := f.pos / f.chunk
	if n != f.loaded {
		f.buf = f.buf[:0]
		err := f.db.read.QueryRowContext(f.ctx, `SELECT data FROM file_chunks WHERE sha256 = ? AND n = ?`, f.sum, n).Scan(&f.buf)
		if err != nil {
			f.loaded = -1
			return 0, fmt.Errorf("file %s: chunk %d: %w", f.sum, n, err)
		}
		if want := min(f.chunk, f.size-n*f.chunk); int64(len(f.buf)) != want {
			f.loaded = -1
			return 0, fmt.Errorf("file %s: chunk %d has %d bytes, not %d", f.sum, n, len(f.buf), want)
		}
		f.loaded = n
	}
	c := copy(p, f.buf[f.pos-n*f.chunk:])
	f.pos += int64(c)
	return c, nil
}

func (f *dbFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.size
	default:
		return f.pos, fmt.Errorf("file %s: bad whence %d", f.sum, whence)
	}
	if offset < 0 {
		return f.pos, fmt.Errorf("file %s: seek before the start", f.sum)
	}
	f.pos = offset
	return offset, nil
}

func (f *dbFile) Close() error { return nil }
