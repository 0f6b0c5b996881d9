package webchat

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"charla/internal/channel"
	"charla/internal/httpx"
	"charla/internal/inbox"
	"charla/internal/problem"
)

// multipartSlack is what a multipart body may carry besides the file: the
// text part, boundaries and part headers.
const multipartSlack = 64 << 10

var errFileTooLarge = errors.New("webchat: file over the upload limit")

// readMessage reads the visitor's text from JSON {"body"} or multipart/form-data
// (body, file) and stores the file, if any. On error nothing stays stored.
func (h *handler) readMessage(w http.ResponseWriter, r *http.Request, ch channel.Channel) (string, []inbox.StoredFile, error) {
	var body string
	var files []inbox.StoredFile
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		var err error
		if body, files, err = h.readMultipart(w, r, ch); err != nil {
			h.discard(r.Context(), files)
			return "", nil, err
		}
	} else {
		var req struct {
			Body string `json:"body"`
		}
		if err := httpx.Decode(w, r, &req); err != nil {
			return "", nil, err
		}
		body = req.Body
	}
	body = strings.TrimSpace(body)
	var err error
	switch {
	case body == "" && len(files) == 0:
		err = invalid(map[string]string{"body": "is empty; write a message or attach a file"})
	case utf8.RuneCountInString(body) > inbox.MaxBody:
		err = invalid(map[string]string{"body": "must be at most 4096 characters"})
	}
	if err != nil {
		h.discard(r.Context(), files)
		return "", nil, err
	}
	return body, files, nil
}

// readMultipart streams the parts: the file goes straight to the blob store,
// and an oversized upload is refused as soon as it shows, without reading the rest.
func (h *handler) readMultipart(w http.ResponseWriter, r *http.Request, ch channel.Channel) (string, []inbox.StoredFile, error) {
	limit := h.maxFile(ch)
	tooLarge := problem.New(problem.TooLarge, "the file is larger than %d MB", max(limit>>20, 1))
	if r.ContentLength > limit+multipartSlack {
		return "", nil, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, problem.New(problem.BadRequest, "malformed multipart body: %v", err)
	}
	var body string
	var files []inbox.StoredFile
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return body, files, nil
		}
		if err != nil {
			return body, files, bodyError(err, tooLarge)
		}
		switch p.FormName() {
		case "body":
			b, err := io.ReadAll(io.LimitReader(p, 4*inbox.MaxBody+1))
			if err != nil {
				return body, files, bodyError(err, tooLarge)
			}
			if len(b) > 4*inbox.MaxBody {
				return body, files, invalid(map[string]string{"body": "must be at most 4096 characters"})
			}
			body = string(b)
		case "file":
			if len(files) > 0 {
				return body, files, invalid(map[string]string{"file": "attach one file per message"})
			}
			capped := &cappedReader{r: p, max: limit}
			f, err := h.s.Inbox.StoreUpload(r.Context(), ch.WorkspaceID, inbox.Upload{Filename: p.FileName(),
				ContentType: p.Header.Get("Content-Type"), Body: capped})
			if capped.over {
				return body, files, tooLarge
			}
			if err != nil {
				return body, files, bodyError(err, tooLarge)
			}
			files = append(files, f)
		}
		// Other parts are skipped; NextPart drains them within the body limit.
	}
}

// bodyError reports a read that hit the request limit as 413, anything else as is.
func bodyError(err, tooLarge error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return tooLarge
	}
	if problem.As(err).Kind != problem.Internal {
		return err
	}
	return problem.New(problem.BadRequest, "the upload was interrupted: %v", err)
}

// maxFile is the server's upload limit, or the channel type's if smaller.
func (h *handler) maxFile(ch channel.Channel) int64 {
	limit := h.s.MaxUpload()
	if t, ok := h.s.Channels.Types().Get(ch.Type); ok {
		if m := t.Capabilities().MaxAttachmentBytes; m > 0 && m < limit {
			limit = m
		}
	}
	return limit
}

// discard deletes stored files whose message was never created.
func (h *handler) discard(ctx context.Context, files []inbox.StoredFile) {
	for _, f := range files {
		if err := h.s.Blobs.Delete(context.WithoutCancel(ctx), f.Key); err != nil {
			h.s.Log.Warn("webchat: delete orphaned upload", "key", f.Key, "err", err)
		}
	}
}

// cappedReader fails once more than max bytes were read, so the blob store
// aborts the write instead of keeping an oversized file.
type cappedReader struct {
	r    io.Reader
	n    int64
	max  int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.over = true
		return n, errFileTooLarge
	}
	return n, err
}
