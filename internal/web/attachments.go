package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/web/templates"
)

// attachmentCSP forbids everything: a file opened in a tab (an HTML or SVG
// upload, say) is a document of our origin and must not run or load anything.
const attachmentCSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

// attachment serves a file of the user's workspace. Only the image types the
// thread shows inline are served inline; everything else is a download (which
// <video> and <audio> still play: disposition only governs navigation).
func (h *handler) attachment(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	a, body, err := h.s.Inbox.Blob(r.Context(), u.WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer body.Close()

	ct := a.ContentType
	mt, _, perr := mime.ParseMediaType(ct)
	if perr != nil {
		ct, mt = "application/octet-stream", "application/octet-stream"
	}
	disposition := "attachment"
	if templates.InlineTypes[mt] {
		disposition = "inline"
	}
	if d := mime.FormatMediaType(disposition, map[string]string{"filename": a.Filename}); d != "" {
		disposition = d
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", disposition)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", attachmentCSP)
	// Attachments never change, but they are private: the browser may keep them, proxies may not.
	hd.Set("Cache-Control", "private, max-age=86400")
	if rs, ok := body.(io.ReadSeeker); ok {
		// Audio and video players seek with Range requests; ServeContent answers them.
		http.ServeContent(w, r, "", time.Time{}, rs)
		return
	}
	if a.Size > 0 {
		hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	}
	if _, err := io.Copy(w, body); err != nil {
		h.log.DebugContext(r.Context(), "attachment copy ended", "id", a.ID, "err", err)
	}
}
