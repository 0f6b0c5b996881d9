// Package blob stores message attachments behind a small interface, with a
// local-directory backend and an S3-compatible backend.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Info describes a stored object.
type Info struct {
	Size        int64
	ContentType string
}

// Store is an attachment store. Implementations are safe for concurrent use.
type Store interface {
	// Put stores r under key, replacing any existing object. size is the
	// exact number of bytes r yields, or -1 if unknown. An empty contentType
	// is stored as application/octet-stream. On error nothing is stored.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the object's content and info; the caller must close the
	// reader. It returns an error wrapping ErrNotFound when key is missing.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Delete removes key. A missing key is not an error.
	Delete(ctx context.Context, key string) error
}

var (
	// ErrNotFound is returned (wrapped) by Open for a missing key.
	ErrNotFound = errors.New("blob: not found")
	// ErrInvalidKey is returned (wrapped) for keys that fail ValidateKey.
	ErrInvalidKey = errors.New("blob: invalid key")
)

// DefaultContentType is stored when Put is given an empty content type.
const DefaultContentType = "application/octet-stream"

const (
	// maxKeyLen matches S3's object key limit, so a key valid for one
	// backend is valid for the other.
	maxKeyLen = 1024
	// maxSegmentLen leaves room under the common 255-byte file name limit
	// for the prefix/suffix the local store adds to temp and sidecar names.
	maxSegmentLen = 200
	// maxContentTypeLen is a sanity bound; real media types are far shorter.
	maxContentTypeLen = 255
)

// ValidateKey reports whether key is acceptable to every backend. A key is
// a "/"-separated relative path of non-empty segments; segments may not
// start with "." (this rules out "." and "..", and reserves dot-names for
// the local store's sidecar and temp files), and backslashes, control
// characters and invalid UTF-8 are rejected.
func ValidateKey(key string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, why)
	}
	switch {
	case key == "":
		return bad("empty")
	case len(key) > maxKeyLen:
		return bad("too long")
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad("absolute path")
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c == '\\' {
			return bad("contains a backslash")
		} else if c < 0x20 || c == 0x7f {
			return bad("contains a control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return bad("empty path segment")
		case seg[0] == '.':
			return bad("path segment starts with '.'")
		case len(seg) > maxSegmentLen:
			return bad("path segment too long")
		}
	}
	return nil
}

// normalizeContentType applies the default and rejects values that could
// not be sent back as an HTTP header.
func normalizeContentType(ct string) (string, error) {
	ct = strings.TrimSpace(ct)
	if ct == "" {
		return DefaultContentType, nil
	}
	if len(ct) > maxContentTypeLen {
		return "", fmt.Errorf("blob: content type too long (%d bytes)", len(ct))
	}
	for i := 0; i < len(ct); i++ {
		if c := ct[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return "", fmt.Errorf("blob: invalid content type %q", ct)
		}
	}
	return ct, nil
}

// NewKey returns a fresh key "ws/<workspace>/<yyyy>/<mm>/<uuidv7>". The
// date comes from now in UTC so the layout does not depend on the server's
// time zone. workspace must itself be a valid single segment (e.g. an ID);
// otherwise Put rejects the key.
func NewKey(workspace string, now time.Time) string {
	// NewV7 fails only if the system random source does, which leaves
	// nothing sensible to do but crash.
	id := uuid.Must(uuid.NewV7())
	return "ws/" + workspace + "/" + now.UTC().Format("2006/01") + "/" + id.String()
}

// Open returns the store selected by kind: "local" (or "") for a directory
// store at localDir, "s3" for an S3-compatible store configured by s3.
func Open(kind string, localDir string, s3 S3Config) (Store, error) {
	switch kind {
	case "", "local":
		return NewLocal(localDir)
	case "s3":
		return NewS3(s3)
	default:
		return nil, fmt.Errorf("blob: unknown store kind %q (want \"local\" or \"s3\")", kind)
	}
}

// ctxReader stops a copy once ctx is done, since io.Copy and friends do not
// watch a context themselves.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
