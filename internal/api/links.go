package api

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"charla/internal/httpx"
	"charla/internal/problem"
	"charla/internal/qr"
)

// The link that opens a chat with a channel (wa.me for WhatsApp, the chat
// page for the website channel) and its QR code. Owners and admins only, like
// the rest of a channel's settings.

// maxPrefill bounds the prefilled text; the channel type also refuses a link
// too long for a scannable code.
const maxPrefill = 1000

type chatLinkJSON struct {
	URL string `json:"url"`
}

func (a *server) chatLink(w http.ResponseWriter, r *http.Request) {
	_, link, err := a.link(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, chatLinkJSON{URL: link})
}

// defaultQRSize is the size of a QR code when none is asked for.
const defaultQRSize = 512

func (a *server) chatQR(w http.ResponseWriter, r *http.Request) {
	size := defaultQRSize
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(qr.Sizes, n) {
			a.error(w, r, problem.Field("size", "must be 256, 512 or 1024 (pixels)"))
			return
		}
		size = n
	}
	id, link, err := a.link(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	png, err := qr.PNG(link, size)
	if err != nil {
		a.error(w, r, err)
		return
	}
	ch, err := a.s.Channels.Get(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": fmt.Sprintf("%s-qr-%d.png", slug(ch.Name), size)}))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(png)
}

// link is the chat link of the path's channel with the query's text.
func (a *server) link(r *http.Request) (id, link string, err error) {
	if id, err = managedChannel(r); err != nil {
		return "", "", err
	}
	text := strings.TrimSpace(r.URL.Query().Get("text"))
	if utf8.RuneCountInString(text) > maxPrefill {
		return "", "", problem.Field("text", fmt.Sprintf("must be at most %d characters", maxPrefill))
	}
	link, err = a.s.Channels.ChatLink(r.Context(), user(r).WorkspaceID, id, a.s.Config.BaseURL, text)
	return id, link, err
}

// slug is a channel name fit for a file name: lowercase letters and digits,
// words joined by "-"; "channel" when nothing is left.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		default:
			dash = true
		}
	}
	if b.Len() == 0 {
		return "channel"
	}
	return b.String()
}
