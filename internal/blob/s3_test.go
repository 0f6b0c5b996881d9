package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/minio/minio-go/v7"
)

const (
	testBucket    = "attachments"
	testAccessKey = "charla-test"
)

func newTestS3(t *testing.T, region string) (*S3, *fakeS3) {
	t.Helper()
	fake := newFakeS3(t, testBucket, testAccessKey)
	s, err := NewS3(S3Config{
		Endpoint:  fake.endpoint(),
		Bucket:    testBucket,
		AccessKey: testAccessKey,
		SecretKey: "secret",
		Region:    region,
		PathStyle: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, fake
}

func TestS3RoundTrip(t *testing.T) {
	s, fake := newTestS3(t, "us-east-1")
	ctx := context.Background()
	key := "ws/w1/2026/01/0190b6a4-7c1e-7abc-8def-0123456789ab"
	body := []byte("hello, attachment")

	if err := s.Put(ctx, key, bytes.NewReader(body), int64(len(body)), "text/plain; charset=utf-8"); err != nil {
		t.Fatal(err)
	}
	if o, ok := fake.object(key); !ok || !bytes.Equal(o.data, body) {
		t.Fatalf("fake holds %q (ok=%v), want %q", o.data, ok, body)
	}
	got, info := readAll(t, s, key)
	if !bytes.Equal(got, body) {
		t.Fatalf("content = %q, want %q", got, body)
	}
	if want := (Info{Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"}); info != want {
		t.Fatalf("info = %+v, want %+v", info, want)
	}

	// Unknown size (small: buffered into one PUT) and default content type;
	// a one-byte reader makes sure short reads are handled.
	body2 := []byte("second version, longer than the first")
	if err := s.Put(ctx, key, iotest.OneByteReader(bytes.NewReader(body2)), -1, ""); err != nil {
		t.Fatal(err)
	}
	got, info = readAll(t, s, key)
	if !bytes.Equal(got, body2) || info != (Info{Size: int64(len(body2)), ContentType: DefaultContentType}) {
		t.Fatalf("after overwrite: %q %+v", got, info)
	}
	if _, uploads, location, completed := fake.counts(); uploads != 0 || completed != 0 || location != 0 {
		t.Fatalf("uploads=%d completed=%d location=%d, want single PUTs and no location lookup", uploads, completed, location)
	}
}

// Without a configured region minio-go first asks for the bucket location;
// the fake answers it, once.
func TestS3BucketLocationLookup(t *testing.T) {
	s, fake := newTestS3(t, "")
	ctx := context.Background()
	if err := s.Put(ctx, "k", strings.NewReader("v"), 1, "text/plain"); err != nil {
		t.Fatal(err)
	}
	if got, _ := readAll(t, s, "k"); string(got) != "v" {
		t.Fatalf("content = %q", got)
	}
	if _, _, location, _ := fake.counts(); location != 1 {
		t.Fatalf("location requests = %d, want 1 (cached)", location)
	}
}

// Large uploads of unknown size go through multipart with bounded parts.
func TestS3LargeUnknownSize(t *testing.T) {
	s, fake := newTestS3(t, "us-east-1")
	// S3's minimum part size keeps the test quick under -race.
	s.partSize = 5 << 20
	ctx := context.Background()
	body := make([]byte, s.partSize+1000)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(body)

	if err := s.Put(ctx, "big", bytes.NewReader(body), -1, "application/zip"); err != nil {
		t.Fatal(err)
	}
	if _, uploads, _, completed := fake.counts(); completed != 1 || uploads != 0 {
		t.Fatalf("completed=%d pending=%d, want one completed multipart upload", completed, uploads)
	}
	got, info := readAll(t, s, "big")
	if !bytes.Equal(got, body) {
		t.Fatalf("content differs (got %d bytes, want %d)", len(got), len(body))
	}
	if info != (Info{Size: int64(len(body)), ContentType: "application/zip"}) {
		t.Fatalf("info = %+v", info)
	}
}

func TestS3NotFound(t *testing.T) {
	s, _ := newTestS3(t, "us-east-1")
	ctx := context.Background()
	rc, _, err := s.Open(ctx, "ws/w1/2026/01/missing")
	if !errors.Is(err, ErrNotFound) {
		if rc != nil {
			rc.Close()
		}
		t.Fatalf("Open = %v, want ErrNotFound", err)
	}
	// The HEAD path (no error body) maps to NoSuchKey as well.
	_, err = s.client.StatObject(ctx, testBucket, "missing", minio.StatObjectOptions{})
	if code := minio.ToErrorResponse(err).Code; code != minio.NoSuchKey {
		t.Fatalf("StatObject code = %q (%v), want NoSuchKey", code, err)
	}
}

func TestS3Delete(t *testing.T) {
	s, fake := newTestS3(t, "us-east-1")
	ctx := context.Background()
	key := "ws/w1/2026/01/x"
	if err := s.Put(ctx, key, strings.NewReader("data"), 4, "image/png"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "other", strings.NewReader("keep"), 4, ""); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if _, _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete = %v, want ErrNotFound", err)
	}
	if got := fake.keys(); !slices.Equal(got, []string{"other"}) {
		t.Fatalf("objects = %q, want [other]", got)
	}
}

func TestS3FailedPutStoresNothing(t *testing.T) {
	s, fake := newTestS3(t, "us-east-1")
	ctx := context.Background()
	errBoom := errors.New("boom")
	failing := func() io.Reader {
		return io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(errBoom))
	}
	// Known size: the body is streamed, so the server sees a short request.
	if err := s.Put(ctx, "known", failing(), 100, ""); err == nil {
		t.Error("Put with failing reader (known size) succeeded")
	}
	// Unknown size: fails while buffering, before any request.
	if err := s.Put(ctx, "unknown", failing(), -1, ""); !errors.Is(err, errBoom) {
		t.Errorf("Put with failing reader (unknown size) = %v, want boom", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Put(cctx, "cancelled", strings.NewReader("x"), 1, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with cancelled context = %v, want context.Canceled", err)
	}
	if got := fake.keys(); len(got) != 0 {
		t.Fatalf("objects stored by failed Puts: %q", got)
	}
}

func TestS3RejectsBadKeys(t *testing.T) {
	s, fake := newTestS3(t, "us-east-1")
	ctx := context.Background()
	for _, key := range []string{"../x", "/etc/passwd", "a//b", "a\\b", ""} {
		if err := s.Put(ctx, key, strings.NewReader("x"), 1, ""); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, _, err := s.Open(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	if got := fake.keys(); len(got) != 0 {
		t.Fatalf("objects stored: %q", got)
	}
}

// Errors other than a missing key must not be reported as ErrNotFound.
func TestS3WrongCredentials(t *testing.T) {
	fake := newFakeS3(t, testBucket, testAccessKey)
	s, err := NewS3(S3Config{Endpoint: "http://" + fake.endpoint(), Bucket: testBucket, AccessKey: "intruder", SecretKey: "x", Region: "us-east-1", PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Open(context.Background(), "k")
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Open with bad credentials = %v, want a non-NotFound error", err)
	}
	if code := minio.ToErrorResponse(errors.Unwrap(err)).Code; code != "AccessDenied" {
		t.Fatalf("error code = %q, want AccessDenied", code)
	}
}

func TestNewS3Config(t *testing.T) {
	ok := S3Config{Endpoint: "minio.internal:9000", Bucket: "attachments", AccessKey: "a", SecretKey: "s"}
	if _, err := NewS3(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, ep := range []string{"https://s3.example.com", "http://127.0.0.1:9000/"} {
		c := ok
		c.Endpoint = ep
		if _, err := NewS3(c); err != nil {
			t.Errorf("endpoint %q: %v", ep, err)
		}
	}
	bad := map[string]func(*S3Config){
		"no endpoint":   func(c *S3Config) { c.Endpoint = "" },
		"endpoint path": func(c *S3Config) { c.Endpoint = "https://s3.example.com/prefix" },
		"ftp endpoint":  func(c *S3Config) { c.Endpoint = "ftp://s3.example.com" },
		"no bucket":     func(c *S3Config) { c.Bucket = "" },
		"bad bucket":    func(c *S3Config) { c.Bucket = "x" },
		"no access key": func(c *S3Config) { c.AccessKey = "" },
		"no secret key": func(c *S3Config) { c.SecretKey = "" },
	}
	for name, mutate := range bad {
		c := ok
		mutate(&c)
		if _, err := NewS3(c); err == nil {
			t.Errorf("%s: NewS3 succeeded, want error", name)
		}
	}
}
