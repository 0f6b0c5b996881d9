package blob

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestValidateKey(t *testing.T) {
	for _, key := range []string{
		"a",
		"ws/w1/2026/01/0190b6a4-7c1e-7abc-8def-0123456789ab",
		"a/b.c/d..e",
		"ümlaut/ok",
	} {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
	for _, key := range []string{
		"",
		"..",
		"../x",
		"a/../b",
		"a/..",
		".",
		"./a",
		"a/.hidden",
		"/etc/passwd",
		"a//b",
		"a/",
		"a\\b",
		"..\\x",
		"a\x00b",
		"a\nb",
		"\xff",
		strings.Repeat("a", maxSegmentLen+1),
		strings.Repeat("a/", maxKeyLen/2) + "a",
	} {
		if err := ValidateKey(key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

func TestNewKey(t *testing.T) {
	// 23:30 in UTC-5 is already February in UTC.
	now := time.Date(2026, 1, 31, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	key := NewKey("w1", now)
	m := regexp.MustCompile(`^ws/w1/2026/02/([0-9a-f-]{36})$`).FindStringSubmatch(key)
	if m == nil {
		t.Fatalf("NewKey = %q, want ws/w1/2026/02/<uuid>", key)
	}
	id, err := uuid.Parse(m[1])
	if err != nil || id.Version() != 7 {
		t.Fatalf("NewKey uuid %q: version %d, err %v; want v7", m[1], id.Version(), err)
	}
	if err := ValidateKey(key); err != nil {
		t.Fatal(err)
	}
	if other := NewKey("w1", now); other == key {
		t.Fatalf("NewKey returned %q twice", key)
	}
}

func TestOpenSelectsBackend(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"", "local"} {
		st, err := Open(kind, dir, S3Config{})
		if err != nil {
			t.Fatalf("Open(%q): %v", kind, err)
		}
		l, ok := st.(*Local)
		if !ok {
			t.Fatalf("Open(%q) = %T, want *Local", kind, st)
		}
		l.Close()
	}
	st, err := Open("s3", "", S3Config{Endpoint: "127.0.0.1:9", Bucket: "attachments", AccessKey: "a", SecretKey: "s", Region: "r"})
	if err != nil {
		t.Fatalf("Open(s3): %v", err)
	}
	if _, ok := st.(*S3); !ok {
		t.Fatalf("Open(s3) = %T, want *S3", st)
	}
	if _, err := Open("gcs", dir, S3Config{}); err == nil {
		t.Fatal("Open(gcs) succeeded, want error")
	}
	if _, err := Open("s3", dir, S3Config{}); err == nil {
		t.Fatal("Open(s3) with empty config succeeded, want error")
	}
}

// readAll opens key and returns its content and info.
func readAll(t *testing.T, s Store, key string) ([]byte, Info) {
	t.Helper()
	rc, info, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b, info
}

// readerFunc adapts a function to io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
