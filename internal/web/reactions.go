package web

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// react sends an agent's reaction to one of the contact's messages. Nothing
// is swapped on success (the thread refreshes and shows the badge); a refusal
// lands in the composer's error line like any other send.
func (h *handler) react(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	convID := chi.URLParam(r, "id")
	emoji := r.PostFormValue("emoji")
	if !slices.Contains(templates.ReactionEmoji, emoji) {
		h.composerFailed(w, r, problem.Field("emoji", "must be one of the picker's reactions"))
		return
	}
	// The target must be a message of this conversation: its provider id is
	// what the channel sends, so another thread's message must not be named.
	m, err := h.s.Inbox.Message(r.Context(), u.WorkspaceID, r.PostFormValue("target_id"))
	if err != nil || m.ConversationID != convID {
		if err == nil || problem.Is(err, problem.NotFound) {
			err = problem.Field("target_id", "must be a message of this conversation")
		}
		h.composerFailed(w, r, err)
		return
	}
	_, err = h.s.Inbox.Compose(r.Context(), u, convID, inbox.Draft{
		Kind:    content.KindReaction,
		Content: &content.Content{Reaction: &content.Reaction{Emoji: emoji, TargetID: m.ID}},
	})
	if err != nil {
		h.composerFailed(w, r, err)
		return
	}
	w.Header().Set("HX-Trigger", "thread-refresh")
	w.WriteHeader(http.StatusNoContent)
}
