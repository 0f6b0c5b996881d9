package web

import (
	"bytes"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/web/static"
)

// asset serves an embedded file. A URL carrying the current hash (as the
// templates write it) never changes content, so browsers keep it for a year;
// any other URL is revalidated with the ETag.
func (h *handler) asset(w http.ResponseWriter, r *http.Request) {
	a, ok := static.Get(chi.URLParam(r, "name"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	ct := mime.TypeByExtension(path.Ext(a.Name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	hd.Set("Content-Type", ct)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", `"`+a.Hash+`"`)
	if r.URL.Query().Get("v") == a.Hash {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, a.Name, time.Time{}, bytes.NewReader(a.Body))
}
