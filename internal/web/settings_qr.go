package web

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"charla/internal/problem"
	"charla/internal/qr"
	"charla/internal/web/templates"
)

// This file is a channel's chat link and its QR code: wa.me with an
// optional prefilled text for WhatsApp, the chat page for the website.

// maxPrefill bounds the prefilled text before the channel type checks the
// link's length.
const maxPrefill = 500

func qrText(r *http.Request) (string, error) {
	text := strings.TrimSpace(r.URL.Query().Get("text"))
	if utf8.RuneCountInString(text) > maxPrefill {
		return text, problem.Field("text", fmt.Sprintf("must be at most %d characters", maxPrefill))
	}
	return text, nil
}

func (h *handler) qrPage(w http.ResponseWriter, r *http.Request) {
	c, nav, err := h.requestChannel(r, "qr")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := templates.QR{Settings: h.settings(r, "channels", c.Name+" · QR code"), Nav: nav,
		Prefill: nav.Templates, Sizes: qr.Sizes}
	v.Text, err = qrText(r)
	if err == nil {
		v.Link, err = h.s.Channels.ChatLink(r.Context(), c.WorkspaceID, c.ID, h.s.Config.BaseURL, v.Text)
	}
	status := http.StatusOK
	if err != nil {
		p := problem.As(err)
		if p.Kind == problem.NotFound || p.Kind == problem.Internal {
			h.fail(w, r, err)
			return
		}
		status = p.Status()
		if len(p.Fields) > 0 {
			_, v.Errors = h.formErrors(r, err)
			v.Errors.Message = ""
		} else {
			v.LinkError = describe(p)
		}
	}
	h.render(w, r, status, templates.QRPage(v))
}

// unsafeFilename are the characters kept out of a download's name.
var unsafeFilename = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// qrPNG serves the QR code of the channel's link at ?size= (256, 512 or
// 1024) as a download.
func (h *handler) qrPNG(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "qr")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	size, err := strconv.Atoi(r.URL.Query().Get("size"))
	if err != nil || !slices.Contains(qr.Sizes, size) {
		h.fail(w, r, problem.Field("size", "must be 256, 512 or 1024"))
		return
	}
	text, err := qrText(r)
	var link string
	if err == nil {
		link, err = h.s.Channels.ChatLink(r.Context(), c.WorkspaceID, c.ID, h.s.Config.BaseURL, text)
	}
	var png []byte
	if err == nil {
		png, err = qr.PNG(link, size)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name := strings.Trim(unsafeFilename.ReplaceAllString(strings.ToLower(c.Name), "-"), "-")
	if name == "" {
		name = "channel"
	}
	hd := w.Header()
	hd.Set("Content-Type", "image/png")
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="charla-%s-qr-%d.png"`, name, size))
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(len(png)))
	_, _ = w.Write(png)
}
