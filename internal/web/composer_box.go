package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/web/templates"
)

// composerBox answers the composer's refresh on channels with a reply
// window. The page says which window state its form was made for; while that
// still holds, only the window line is swapped, so nothing typed is lost.
// When the window opened or closed, the whole composer is replaced.
func (h *handler) composerBox(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	conv, err := h.s.Inbox.Get(r.Context(), u.WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := h.composer(r.Context(), conv, "reply")
	if r.URL.Query().Get("window") == c.Window.State() && c.Window.Length > 0 {
		w.Header().Set("HX-Retarget", "#window-line")
		w.Header().Set("HX-Reswap", "outerHTML")
		h.render(w, r, http.StatusOK, templates.WindowLine(c.Window))
		return
	}
	h.render(w, r, http.StatusOK, templates.ComposerBox(c))
}
