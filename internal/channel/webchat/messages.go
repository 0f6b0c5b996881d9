package webchat

import (
	"net/http"

	"charla/internal/httpx"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/store/db"
)

// pageSize is how many messages one history request returns.
const pageSize = 30

type pageView struct {
	Messages []messageView `json:"messages"`
	HasMore  bool          `json:"has_more"`
}

// listMessages returns the newest page of the visitor's conversation, or the
// page before ?before=<message id>, oldest first.
func (h *handler) listMessages(w http.ResponseWriter, r *http.Request) {
	ctx, ch := r.Context(), channelFrom(r)
	v, token, err := h.bearer(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	conv, err := h.conversation(ctx, ch, v)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	page := pageView{Messages: []messageView{}}
	if conv == "" {
		httpx.JSON(w, http.StatusOK, page)
		return
	}
	var ids []string
	if before := r.URL.Query().Get("before"); before != "" {
		ids, err = h.s.DB.Q.VisitorMessagesBefore(ctx, db.VisitorMessagesBeforeParams{BeforeID: before, ConversationID: conv, MaxRows: pageSize + 1})
	} else {
		ids, err = h.s.DB.Q.VisitorMessages(ctx, db.VisitorMessagesParams{ConversationID: conv, MaxRows: pageSize + 1})
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if len(ids) > pageSize {
		ids, page.HasMore = ids[:pageSize], true
	}
	// The query picks the page (and already leaves notes out); the inbox shapes
	// each message, so sender names and attachments are read one way everywhere.
	for i := len(ids) - 1; i >= 0; i-- {
		m, err := h.s.Inbox.Message(ctx, ch.WorkspaceID, ids[i])
		if problem.Is(err, problem.NotFound) {
			continue // deleted since the query
		}
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		if m.ConversationID == conv && visible(m) {
			page.Messages = append(page.Messages, h.view(ch, token, m))
		}
	}
	httpx.JSON(w, http.StatusOK, page)
}

// postMessage stores what the visitor wrote; the first message creates their
// contact and conversation.
func (h *handler) postMessage(w http.ResponseWriter, r *http.Request) {
	ctx, ch := r.Context(), channelFrom(r)
	v, token, err := h.bearer(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	body, files, err := h.readMessage(w, r, ch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := h.s.Inbox.Receive(ctx, inbox.Inbound{Channel: ch, From: v.who(), Body: body, Files: files})
	if err != nil {
		h.discard(ctx, files)
		httpx.Error(w, r, err)
		return
	}
	h.recordEmail(ctx, ch.WorkspaceID, res.ContactID, v.Email)
	httpx.JSON(w, http.StatusCreated, h.view(ch, token, res.Message))
}
