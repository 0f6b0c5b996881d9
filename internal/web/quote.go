package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/problem"
	"charla/internal/web/templates"
)

// quote fills the composer's quote slot when an agent clicks "Reply" on a
// bubble: a preview of the message and the hidden reply_to_id the composer
// posts. The message is read again here, so the preview shows what is stored.
func (h *handler) quote(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	convID := chi.URLParam(r, "id")
	conv, err := h.s.Inbox.Get(r.Context(), u.WorkspaceID, convID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.s.Inbox.Message(r.Context(), u.WorkspaceID, r.URL.Query().Get("message_id"))
	if err == nil && m.ConversationID != convID {
		err = problem.NotFoundf("message")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.QuotePreview(templates.QuoteOf(m), templates.ContactName(conv.Contact)))
}
