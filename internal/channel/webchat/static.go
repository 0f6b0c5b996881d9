package webchat

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/httpx"
)

//go:embed static/widget.js static/demo.html
var static embed.FS

var (
	script     = mustRead("static/widget.js")
	scriptETag = etag(script)
	demoPage   = template.Must(template.ParseFS(static, "static/demo.html"))
)

func mustRead(name string) []byte {
	b, err := static.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}

// serveScript serves the widget. Sites embed a fixed URL, so the script is
// cached only briefly (a new version reaches visitors within minutes) and
// revalidated cheaply by ETag.
func serveScript(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("ETag", scriptETag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
	// Lets sites pin the script with Subresource Integrity (crossorigin="anonymous").
	hd.Set("Access-Control-Allow-Origin", "*")
	http.ServeContent(w, r, "widget.js", time.Time{}, bytes.NewReader(script))
}

type demoData struct {
	ChannelName string
	ScriptURL   string
	ChannelID   string
}

// demo renders a page embedding the channel's widget, to try it before installing.
func (h *handler) demo(w http.ResponseWriter, r *http.Request) {
	ch, err := h.lookup(r.Context(), chi.URLParam(r, "channel"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	err = demoPage.Execute(&buf, demoData{ChannelName: ch.Name, ScriptURL: h.s.Config.BaseURL + "/widget.js", ChannelID: ch.ID})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}
