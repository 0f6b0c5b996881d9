package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/inbox"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// templateOptions are the approved templates the composer of c offers. A
// failure only empties the choice (and is logged): the rest of the page works.
func (h *handler) templateOptions(ctx context.Context, c inbox.Conversation) []templates.TemplateOption {
	list, _, err := h.s.Templates.List(ctx, c.WorkspaceID, c.ChannelID, msgtpl.Filter{Status: msgtpl.StatusApproved})
	if err != nil {
		h.log.WarnContext(ctx, "list approved templates", "channel", c.ChannelID, "err", err)
		return nil
	}
	out := make([]templates.TemplateOption, len(list))
	for i, t := range list {
		out[i] = templates.TemplateOption{ID: t.ID, Name: t.Name, Language: t.Language}
	}
	return out
}

// syncConversationTemplates syncs the templates of a conversation's channel,
// offered on a message WhatsApp refused for a template it doesn't have
// (132001). Agents may run it: it only reads the provider's list.
func (h *handler) syncConversationTemplates(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	conv, err := h.s.Inbox.Get(r.Context(), u.WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.s.Templates.Sync(r.Context(), u.WorkspaceID, conv.ChannelID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("Templates synced: %d new, %d changed, %d no longer at WhatsApp. Choose the template again in the composer.",
		res.Added, res.Updated, res.Deleted)
	w.Header().Set("HX-Retarget", "#toast")
	w.Header().Set("HX-Reswap", "innerHTML")
	h.render(w, r, http.StatusOK, templates.Toast(msg))
}
