package blob

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"syscall"
)

const (
	dirPerm  = 0o750
	filePerm = 0o640
	// lockStripes bounds the memory of per-key locking; collisions only
	// serialise unrelated keys briefly.
	lockStripes = 64
)

// Local stores objects as files under a directory.
//
// Layout: the object for key "a/b/c" is the file a/b/c; its content type is
// in the sidecar a/b/.c.meta (JSON), and uploads are written to
// a/b/.c.<random>.tmp and renamed into place. Valid keys never have a
// segment starting with ".", so these names cannot collide with objects.
//
// All access goes through an os.Root, so neither keys nor symlinks planted
// in the directory can reach files outside it.
type Local struct {
	root *os.Root
	seed maphash.Seed
	// locks make the data+sidecar pair change atomically for readers and
	// writers in this process (two renames are not atomic on their own).
	locks [lockStripes]sync.Mutex
}

var _ Store = (*Local)(nil)

type localMeta struct {
	ContentType string `json:"content_type"`
}

// NewLocal returns a store rooted at dir, creating dir if needed.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: local directory not set")
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("blob: create local directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open local directory: %w", err)
	}
	return &Local{root: root, seed: maphash.MakeSeed()}, nil
}

// Close releases the directory handle. The store must not be used after.
func (l *Local) Close() error { return l.root.Close() }

func (l *Local) lock(key string) *sync.Mutex {
	return &l.locks[maphash.String(l.seed, key)%lockStripes]
}

// metaName returns the sidecar path for key (see the Local doc).
func metaName(key string) string {
	dir, base := path.Split(key)
	return dir + "." + base + ".meta"
}

// Put implements Store. Data and sidecar are fully written and synced to
// temp files before being renamed into place, so on error or cancellation
// nothing partial becomes visible.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (err error) {
	if err := ValidateKey(key); err != nil {
		return err
	}
	ct, err := normalizeContentType(contentType)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(localMeta{ContentType: ct})
	if err != nil {
		return err
	}
	dir, base := path.Split(key)
	if dir != "" {
		if err := l.root.MkdirAll(dir, dirPerm); err != nil {
			return fmt.Errorf("blob: put %q: %w", key, err)
		}
	}

	dataTmp, err := l.writeTemp(dir, base, func(f *os.File) error {
		n, err := io.Copy(f, ctxReader{ctx, r})
		if err != nil {
			return err
		}
		if size >= 0 && n != size {
			return fmt.Errorf("read %d bytes, expected %d", n, size)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	defer func() {
		if err != nil {
			_ = l.root.Remove(dataTmp)
		}
	}()
	metaTmp, err := l.writeTemp(dir, base, func(f *os.File) error {
		_, err := f.Write(meta)
		return err
	})
	if err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	defer func() {
		if err != nil {
			_ = l.root.Remove(metaTmp)
		}
	}()

	mu := l.lock(key)
	mu.Lock()
	defer mu.Unlock()
	// Last chance to honour cancellation before anything becomes visible.
	if err := ctx.Err(); err != nil {
		return err
	}
	// Sidecar first: a crash between the renames then leaves an orphan
	// sidecar (invisible) rather than data with a missing content type.
	if err := l.root.Rename(metaTmp, metaName(key)); err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	if err := l.root.Rename(dataTmp, key); err != nil {
		_ = l.root.Remove(metaName(key))
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	// Persist the renames themselves, not just the file contents.
	if err := l.syncDir(dir); err != nil {
		return fmt.Errorf("blob: put %q: sync directory: %w", key, err)
	}
	return nil
}

// writeTemp creates a new temp file next to the final location, lets fill
// write it, and syncs and closes it. It returns the temp file's name; on
// error the file is already removed.
func (l *Local) writeTemp(dir, base string, fill func(*os.File) error) (string, error) {
	name := dir + "." + base + "." + rand.Text() + ".tmp"
	// O_EXCL: never write through a file (or symlink) someone else made.
	f, err := l.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return "", err
	}
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = l.root.Remove(name)
		return "", err
	}
	return name, nil
}

func (l *Local) syncDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	d, err := l.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open implements Store. The returned reader is an *os.File, so callers may
// type-assert io.ReadSeeker (e.g. for http.ServeContent and range requests).
// It does not depend on ctx after Open returns.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	mu := l.lock(key)
	mu.Lock()
	f, meta, err := l.open(key)
	mu.Unlock()
	if err != nil {
		return nil, Info{}, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, fmt.Errorf("blob: open %q: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		// Keys that are prefixes of other keys name directories.
		f.Close()
		return nil, Info{}, fmt.Errorf("blob: open %q: %w", key, ErrNotFound)
	}
	return f, Info{Size: st.Size(), ContentType: meta.ContentType}, nil
}

// open opens key's data and reads its sidecar; the caller holds the lock.
func (l *Local) open(key string) (*os.File, localMeta, error) {
	f, err := l.root.Open(key)
	if err != nil {
		if isNotExist(err) {
			err = ErrNotFound
		}
		return nil, localMeta{}, fmt.Errorf("blob: open %q: %w", key, err)
	}
	meta := localMeta{ContentType: DefaultContentType}
	b, err := l.root.ReadFile(metaName(key))
	switch {
	case isNotExist(err):
		// Data without a sidecar (e.g. copied in by hand): serve it as
		// opaque bytes, the safe default.
	case err != nil:
		f.Close()
		return nil, localMeta{}, fmt.Errorf("blob: open %q: read metadata: %w", key, err)
	default:
		if err := json.Unmarshal(b, &meta); err != nil {
			f.Close()
			return nil, localMeta{}, fmt.Errorf("blob: open %q: parse metadata: %w", key, err)
		}
	}
	return f, meta, nil
}

// Delete implements Store. Empty parent directories are left in place:
// removing them would race with a concurrent Put into the same directory.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	mu := l.lock(key)
	mu.Lock()
	defer mu.Unlock()
	// A key that is a prefix of other keys names a directory: there is no
	// object to delete, and removing the directory would race with Puts.
	if st, err := l.root.Lstat(key); err == nil && !st.IsDir() {
		if err := l.root.Remove(key); err != nil && !isNotExist(err) {
			return fmt.Errorf("blob: delete %q: %w", key, err)
		}
	} else if err != nil && !isNotExist(err) {
		return fmt.Errorf("blob: delete %q: %w", key, err)
	}
	if err := l.root.Remove(metaName(key)); err != nil && !isNotExist(err) {
		return fmt.Errorf("blob: delete %q: metadata: %w", key, err)
	}
	return nil
}

// isNotExist also treats ENOTDIR as missing: for key "a/b" where "a" is an
// object (a file), "a/b" cannot exist.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
