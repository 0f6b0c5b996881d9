package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

func newTestLocal(t *testing.T) (*Local, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

// files lists regular files (including sidecars and temp files) under dir,
// relative and slash-separated, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestLocalRoundTrip(t *testing.T) {
	l, dir := newTestLocal(t)
	ctx := context.Background()
	key := "ws/w1/2026/01/0190b6a4-7c1e-7abc-8def-0123456789ab"
	body := []byte("hello, attachment")

	if err := l.Put(ctx, key, bytes.NewReader(body), int64(len(body)), "text/plain; charset=utf-8"); err != nil {
		t.Fatal(err)
	}
	got, info := readAll(t, l, key)
	if !bytes.Equal(got, body) {
		t.Fatalf("content = %q, want %q", got, body)
	}
	if want := (Info{Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"}); info != want {
		t.Fatalf("info = %+v, want %+v", info, want)
	}
	if want := []string{"ws/w1/2026/01/.0190b6a4-7c1e-7abc-8def-0123456789ab.meta", key}; !slices.Equal(files(t, dir), want) {
		t.Fatalf("files = %q, want %q", files(t, dir), want)
	}

	// Unknown size, default content type, overwrite.
	body2 := []byte("second version, longer than the first")
	if err := l.Put(ctx, key, iotest.OneByteReader(bytes.NewReader(body2)), -1, ""); err != nil {
		t.Fatal(err)
	}
	got, info = readAll(t, l, key)
	if !bytes.Equal(got, body2) || info != (Info{Size: int64(len(body2)), ContentType: DefaultContentType}) {
		t.Fatalf("after overwrite: %q %+v", got, info)
	}

	// Empty objects are valid.
	if err := l.Put(ctx, "empty", strings.NewReader(""), 0, "text/plain"); err != nil {
		t.Fatal(err)
	}
	if got, info := readAll(t, l, "empty"); len(got) != 0 || info.Size != 0 {
		t.Fatalf("empty object: %q %+v", got, info)
	}

	// Local hands out a seekable file so HTTP range requests can be served.
	rc, _, err := l.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, ok := rc.(io.ReadSeeker); !ok {
		t.Fatalf("Open returned %T, want an io.ReadSeeker", rc)
	}
}

func TestLocalNotFound(t *testing.T) {
	l, _ := newTestLocal(t)
	ctx := context.Background()
	if err := l.Put(ctx, "a/b", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"missing",
		"a/missing",
		"a",     // a directory, not an object
		"a/b/c", // below an object: ENOTDIR
	} {
		rc, _, err := l.Open(ctx, key)
		if !errors.Is(err, ErrNotFound) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
		}
	}
}

func TestLocalMissingSidecar(t *testing.T) {
	l, dir := newTestLocal(t)
	if err := os.WriteFile(filepath.Join(dir, "manual"), []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, info := readAll(t, l, "manual")
	if string(got) != "data" || info != (Info{Size: 4, ContentType: DefaultContentType}) {
		t.Fatalf("got %q %+v", got, info)
	}
}

func TestLocalDeleteIdempotent(t *testing.T) {
	l, dir := newTestLocal(t)
	ctx := context.Background()
	key := "ws/w1/2026/01/x"
	if err := l.Put(ctx, key, strings.NewReader("data"), 4, "image/png"); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := l.Delete(ctx, key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if _, _, err := l.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete = %v, want ErrNotFound", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files left after Delete: %q", got)
	}
	for _, key := range []string{"never-existed", "ws/w1", "ws/w1/2026/01/x/y"} {
		if err := l.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q) = %v, want nil", key, err)
		}
	}
	// Deleting a "directory key" must not remove the directory.
	if st, err := os.Stat(filepath.Join(dir, "ws", "w1")); err != nil || !st.IsDir() {
		t.Fatalf("directory ws/w1 gone after Delete(ws/w1): %v", err)
	}
}

func TestLocalRejectsBadKeys(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "blobs")
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	tests := []struct{ name, key string }{
		{"parent", "../x"},
		{"nested parent", "a/../../x"},
		{"absolute", "/etc/passwd"},
		{"empty segment", "a//b"},
		{"trailing slash", "a/"},
		{"backslash", "a\\b"},
		{"backslash parent", "..\\x"},
		{"empty", ""},
		{"dot", "."},
		{"sidecar name", ".x.meta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := l.Put(ctx, tt.key, strings.NewReader("x"), 1, ""); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Put = %v, want ErrInvalidKey", err)
			}
			if _, _, err := l.Open(ctx, tt.key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Open = %v, want ErrInvalidKey", err)
			}
			if err := l.Delete(ctx, tt.key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Delete = %v, want ErrInvalidKey", err)
			}
		})
	}
	if got := files(t, parent); len(got) != 0 {
		t.Fatalf("files created: %q", got)
	}
}

// A symlink planted inside the directory must not let a valid key reach
// outside it; that is os.Root's job, checked here.
func TestLocalSymlinkEscape(t *testing.T) {
	l, dir := newTestLocal(t)
	ctx := context.Background()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "evil")); err != nil {
		t.Fatal(err)
	}
	if err := l.Put(ctx, "evil/x", strings.NewReader("x"), 1, ""); err == nil {
		t.Error("Put through escaping symlink succeeded")
	}
	if rc, _, err := l.Open(ctx, "evil/secret"); err == nil {
		rc.Close()
		t.Error("Open through escaping symlink succeeded")
	}
	if err := l.Delete(ctx, "evil/secret"); err == nil {
		t.Error("Delete through escaping symlink succeeded")
	}
	if got := files(t, outside); !slices.Equal(got, []string{"secret"}) {
		t.Fatalf("outside directory changed: %q", got)
	}
}

func TestLocalFailedPutLeavesNothing(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		// put runs a Put that must fail with an error matching want.
		put  func(l *Local, key string) error
		want error
	}{
		{"reader error", func(l *Local, key string) error {
			r := io.MultiReader(strings.NewReader("partial data"), iotest.ErrReader(errBoom))
			return l.Put(context.Background(), key, r, -1, "text/plain")
		}, errBoom},
		{"short read", func(l *Local, key string) error {
			return l.Put(context.Background(), key, strings.NewReader("abc"), 10, "")
		}, nil},
		{"long read", func(l *Local, key string) error {
			return l.Put(context.Background(), key, strings.NewReader("abcdef"), 3, "")
		}, nil},
		{"cancelled mid-copy", func(l *Local, key string) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := readerFunc(func(p []byte) (int, error) {
				cancel()
				return copy(p, "x"), nil
			})
			return l.Put(ctx, key, r, -1, "")
		}, context.Canceled},
		{"cancelled before", func(l *Local, key string) error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return l.Put(ctx, key, strings.NewReader("abc"), 3, "")
		}, context.Canceled},
		{"bad content type", func(l *Local, key string) error {
			return l.Put(context.Background(), key, strings.NewReader("abc"), 3, "text/html\r\nX-Evil: 1")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newTestLocal(t)
			key := "ws/w1/2026/01/obj"
			err := tt.put(l, key)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Put = %v, want error matching %v", err, tt.want)
			}
			if got := files(t, dir); len(got) != 0 {
				t.Fatalf("files left after failed Put: %q", got)
			}

			// A failed overwrite keeps the previous object intact.
			if err := l.Put(context.Background(), key, strings.NewReader("old"), 3, "text/old"); err != nil {
				t.Fatal(err)
			}
			if err := tt.put(l, key); err == nil {
				t.Fatal("second Put succeeded")
			}
			if got, info := readAll(t, l, key); string(got) != "old" || info.ContentType != "text/old" {
				t.Fatalf("after failed overwrite: %q %+v", got, info)
			}
			if want := []string{"ws/w1/2026/01/.obj.meta", key}; !slices.Equal(files(t, dir), want) {
				t.Fatalf("files = %q, want %q", files(t, dir), want)
			}
		})
	}
}

func TestLocalConcurrentPuts(t *testing.T) {
	l, dir := newTestLocal(t)
	ctx := context.Background()
	const distinct, sameKey = 32, 16
	var wg sync.WaitGroup
	errs := make(chan error, distinct+sameKey)
	for i := range distinct {
		wg.Go(func() {
			// All in one fresh directory, so MkdirAll races too.
			key := fmt.Sprintf("ws/w1/2026/01/obj-%d", i)
			body := fmt.Sprintf("payload %d", i)
			errs <- l.Put(ctx, key, strings.NewReader(body), int64(len(body)), fmt.Sprintf("text/x-%d", i))
		})
	}
	for i := range sameKey {
		wg.Go(func() {
			body := strings.Repeat(fmt.Sprintf("writer %d;", i), 1000)
			errs <- l.Put(ctx, "ws/w1/2026/01/shared", strings.NewReader(body), int64(len(body)), fmt.Sprintf("text/x-%d", i))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range distinct {
		got, info := readAll(t, l, fmt.Sprintf("ws/w1/2026/01/obj-%d", i))
		if want := fmt.Sprintf("payload %d", i); string(got) != want || info.ContentType != fmt.Sprintf("text/x-%d", i) {
			t.Errorf("obj-%d: %q %+v", i, got, info)
		}
	}
	// One writer wins the shared key, and its data and content type stay
	// paired.
	got, info := readAll(t, l, "ws/w1/2026/01/shared")
	var winner int
	if _, err := fmt.Sscanf(string(got), "writer %d;", &winner); err != nil {
		t.Fatalf("shared content %.40q: %v", got, err)
	}
	if want := strings.Repeat(fmt.Sprintf("writer %d;", winner), 1000); string(got) != want {
		t.Fatalf("shared content is a mix of writers")
	}
	if info.ContentType != fmt.Sprintf("text/x-%d", winner) {
		t.Fatalf("shared: data from writer %d but content type %q", winner, info.ContentType)
	}
	if n := len(files(t, dir)); n != 2*(distinct+1) {
		t.Fatalf("%d files, want %d (no temp files left)", n, 2*(distinct+1))
	}
}
