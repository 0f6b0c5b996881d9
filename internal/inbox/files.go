package inbox

import (
	"context"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"charla/internal/blob"
	"charla/internal/problem"
	"charla/internal/store"
)

// Upload is a file as it arrives, before it is stored.
type Upload struct {
	Filename    string
	ContentType string
	Size        int64
	Body        io.Reader
}

// StoredFile is an upload kept in the blob store, ready to attach.
type StoredFile struct {
	Filename    string
	ContentType string
	Size        int64
	Key         string
}

// StoreUpload puts u in the blob store under workspace ws. The HTTP layer has
// already bounded the size; the content type is sniffed when the client gave none.
func (s *Service) StoreUpload(ctx context.Context, ws string, u Upload) (StoredFile, error) {
	name := cleanFilename(u.Filename)
	ct := u.ContentType
	if mt, _, err := mime.ParseMediaType(ct); err != nil || ct == "" || mt == "application/octet-stream" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(u.Body, head)
		ct = http.DetectContentType(head[:n])
		if byExt := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); byExt != "" && strings.HasPrefix(ct, "application/octet-stream") {
			ct = byExt
		}
		u.Body = io.MultiReader(strings.NewReader(string(head[:n])), u.Body)
	}
	key := blob.NewKey(ws, store.Now())
	counter := &countingReader{r: u.Body}
	size := u.Size
	if size <= 0 {
		size = -1 // unknown: the store reads to EOF
	}
	if err := s.blobs.Put(ctx, key, counter, size, ct); err != nil {
		return StoredFile{}, err
	}
	if counter.n == 0 {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), key)
		return StoredFile{}, problem.Field("file", "is empty")
	}
	return StoredFile{Filename: name, ContentType: ct, Size: counter.n, Key: key}, nil
}

// discard removes stored files whose message was never committed.
func (s *Service) discard(ctx context.Context, files []StoredFile) {
	for _, f := range files {
		if err := s.blobs.Delete(context.WithoutCancel(ctx), f.Key); err != nil {
			s.log.Warn("delete orphaned upload", "key", f.Key, "err", err)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// cleanFilename keeps a display name: no directories, no control characters, bounded.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	for utf8.RuneCountInString(name) > 200 {
		r := []rune(name)
		name = string(r[len(r)-200:])
	}
	return name
}
