package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/inbox"
	"charla/internal/web/templates"
)

// maxTail bounds a live re-render of the thread; a conversation left open
// through more messages than this just stops growing at the top.
const maxTail = 500

// olderMessages is the page before a cursor, for "load older".
func (h *handler) olderMessages(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	id := chi.URLParam(r, "id")
	conv, err := h.s.Inbox.Get(r.Context(), u.WorkspaceID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := h.s.Inbox.Messages(r.Context(), u.WorkspaceID, id, r.URL.Query().Get("before"), threadPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.OlderMessages(templates.Older{
		ConvID: id, Messages: oldestFirst(page.Messages), Next: page.Next, Contact: templates.ContactName(conv.Contact),
		Actions: actions(conv),
	}))
}

// threadTail re-renders every message from the one the thread opened with
// (since) to the newest. The page asks for it whenever the event stream
// mentions one of the conversation's messages.
func (h *handler) threadTail(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	id := chi.URLParam(r, "id")
	conv, err := h.s.Inbox.Get(r.Context(), u.WorkspaceID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msgs, err := h.tail(r.Context(), u.WorkspaceID, id, r.URL.Query().Get("since"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The agent is looking at this conversation, so what arrived is read.
	if r.URL.Query().Get("seen") != "0" && conv.UnreadCount > 0 {
		if err := h.s.Inbox.MarkRead(r.Context(), u, id); err != nil {
			h.log.WarnContext(r.Context(), "mark read", "conversation", id, "err", err)
		}
	}
	h.render(w, r, http.StatusOK, templates.Messages(msgs, templates.ContactName(conv.Contact), actions(conv)))
}

// tail returns the messages from since (included) to the newest, oldest
// first; all of them (up to maxTail) when since is "".
func (h *handler) tail(ctx context.Context, ws, convID, since string) ([]inbox.Message, error) {
	var out []inbox.Message
	cursor := ""
	for len(out) < maxTail {
		page, err := h.s.Inbox.Messages(ctx, ws, convID, cursor, 100)
		if err != nil {
			return nil, err
		}
		for _, m := range page.Messages {
			out = append(out, m)
			if m.ID == since {
				return oldestFirst(out), nil
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	return oldestFirst(out), nil
}
