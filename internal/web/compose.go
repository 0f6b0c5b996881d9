package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

const (
	// formSlack is room in a request for the text fields and multipart framing
	// around files of up to the upload limit.
	formSlack = 1 << 20
	// formMemory is how much of a multipart form is kept in memory; the rest
	// of the files spill to temporary files.
	formMemory = 1 << 20
)

// send posts the composer: a reply (with files), a template or a private
// note, optionally quoting a message. On success the composer comes back
// empty and the thread is told to refresh; on failure only the error line
// changes, so the typed text and chosen files remain.
func (h *handler) send(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	id := chi.URLParam(r, "id")
	files, cleanup, err := h.readComposer(w, r)
	defer cleanup()
	if err != nil {
		h.composerFailed(w, r, err)
		return
	}
	kind := r.PostFormValue("kind")
	body := r.PostFormValue("body")
	replyTo := strings.TrimSpace(r.PostFormValue("reply_to_id"))
	switch kind {
	case "note":
		if len(files) > 0 {
			h.composerFailed(w, r, problem.Field("file", "can't go in a private note; send it as a reply"))
			return
		}
		_, err = h.s.Inbox.AddNote(r.Context(), u, id, body)
	case "template":
		var d inbox.Draft
		if d, err = h.templateDraft(r, u, id); err == nil {
			if len(files) > 0 {
				err = problem.Field("file", "can't go with a template; send it as a reply once the contact writes")
			} else {
				d.ReplyToID = replyTo
				_, err = h.s.Inbox.Compose(r.Context(), u, id, d)
			}
		}
	default:
		kind = "reply"
		_, err = h.s.Inbox.Compose(r.Context(), u, id, inbox.Draft{Body: body, Files: files, ReplyToID: replyTo})
	}
	var conv inbox.Conversation
	if err == nil {
		conv, err = h.s.Inbox.Get(r.Context(), u.WorkspaceID, id)
	}
	if err != nil {
		h.composerFailed(w, r, err)
		return
	}
	w.Header().Set("HX-Trigger", "thread-refresh")
	h.render(w, r, http.StatusOK, templates.ComposerBox(h.composer(r.Context(), conv, kind)))
}

// readComposer parses the form within the upload limit and opens its files.
// A body announced as too large is refused before a byte of it is read.
func (h *handler) readComposer(w http.ResponseWriter, r *http.Request) ([]inbox.Upload, func(), error) {
	var opened []multipart.File
	cleanup := func() {
		for _, f := range opened {
			_ = f.Close()
		}
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}
	limit := h.s.MaxUpload()
	tooLarge := problem.New(problem.TooLarge, "File too large (max %d MB)", h.s.Config.MaxUploadMB)
	if r.ContentLength > limit+formSlack {
		return nil, cleanup, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+formSlack)
	err := r.ParseMultipartForm(formMemory)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, cleanup, tooLarge
	case errors.Is(err, http.ErrNotMultipart):
		return nil, cleanup, nil // a text-only form: ParseForm already read it
	case err != nil:
		return nil, cleanup, problem.New(problem.BadRequest, "the form could not be read: %v", err)
	}
	var files []inbox.Upload
	for _, fh := range r.MultipartForm.File["file"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty file input browsers always send
		}
		if fh.Size > limit {
			return nil, cleanup, tooLarge
		}
		f, err := fh.Open()
		if err != nil {
			return nil, cleanup, fmt.Errorf("open upload: %w", err)
		}
		opened = append(opened, f)
		files = append(files, inbox.Upload{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Size: fh.Size, Body: f})
	}
	return files, cleanup, nil
}

// composerFailed puts the reason into the composer's error line.
func (h *handler) composerFailed(w http.ResponseWriter, r *http.Request, err error) {
	p := problem.As(err)
	if p.Kind == problem.Internal {
		h.log.ErrorContext(r.Context(), "send message", "path", r.URL.Path, "err", err)
	}
	if p.Kind == problem.NotFound {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("HX-Retarget", "#composer-error")
	w.Header().Set("HX-Reswap", "innerHTML")
	h.render(w, r, p.Status(), templates.ComposerError(describe(p)))
}
