package webchat

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"charla/internal/httpx"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// inlineTypes are the only files shown in the browser; everything else downloads,
// so an uploaded HTML or SVG file never runs as a page of charla's origin.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// attachment serves a file of the visitor's own conversation (?token=, for <img>).
func (h *handler) attachment(w http.ResponseWriter, r *http.Request) {
	ctx, ch := r.Context(), channelFrom(r)
	v, _, err := h.queryToken(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	conv, err := h.conversation(ctx, ch, v)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	notFound := problem.NotFoundf("attachment")
	if conv == "" {
		httpx.Error(w, r, notFound)
		return
	}
	if _, err := h.s.DB.Q.VisitorAttachment(ctx, db.VisitorAttachmentParams{ID: id, ConversationID: conv}); err != nil {
		if store.NotFound(err) == store.ErrNotFound {
			err = notFound
		}
		httpx.Error(w, r, err)
		return
	}
	a, body, err := h.s.Inbox.Blob(ctx, ch.WorkspaceID, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	defer body.Close()
	ctype, disposition := a.ContentType, "attachment"
	if mt, _, err := mime.ParseMediaType(ctype); err != nil || mt == "" {
		ctype = "application/octet-stream"
	} else if inlineTypes[mt] {
		disposition = "inline"
	}
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	if cd := mime.FormatMediaType(disposition, map[string]string{"filename": a.Filename}); cd != "" {
		hd.Set("Content-Disposition", cd)
	} else {
		hd.Set("Content-Disposition", disposition)
	}
	hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Referrer-Policy", "no-referrer")
	// The widget shows images on other sites, which may require cross-origin resources to opt in.
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
	// Files never change, but the URL holds a token: private caches only.
	hd.Set("Cache-Control", "private, max-age=86400")
	_, _ = io.Copy(w, body)
}
