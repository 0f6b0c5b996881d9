package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/channel"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// channelHealth gathers the troubleshooting panel of a provider channel:
// what charla last heard (webhooks, errors, number details) and how much of
// the messaging limit the last 24 hours used.
func (h *handler) channelHealth(r *http.Request, c channel.Channel) (templates.ChannelHealth, error) {
	health, err := h.s.Channels.Health(r.Context(), c.WorkspaceID, c.ID)
	if err != nil {
		return templates.ChannelHealth{}, err
	}
	used, err := h.s.Inbox.InitiatedUsage(r.Context(), c.ID)
	if err != nil {
		return templates.ChannelHealth{}, err
	}
	t, _ := h.s.Channels.Types().Get(c.Type)
	_, checkable := t.(channel.Checker)
	return templates.ChannelHealth{ChannelID: c.ID, Health: health, Checkable: checkable, Initiated: used}, nil
}

// checkChannel asks the provider about the channel ("Check connection") and
// answers a fresh panel. A refusal is the provider's answer, not a failed
// request: it is shown in the panel, in the provider's words.
func (h *handler) checkChannel(w http.ResponseWriter, r *http.Request) {
	ws, id := currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")
	c, err := h.s.Channels.Get(r.Context(), ws, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, checkErr := h.s.Channels.Check(r.Context(), ws, id)
	if !isHTMX(r) {
		// The outcome is stored (number details, or the last error), so the page shows it.
		notice := "channel-checked"
		if checkErr != nil {
			notice = "check-failed"
		}
		done(w, r, "/settings/channels/"+id, notice)
		return
	}
	v, err := h.channelHealth(r, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if checkErr != nil {
		p := problem.As(checkErr)
		if p.Kind == problem.Internal {
			h.log.ErrorContext(r.Context(), "check channel", "channel", id, "err", checkErr)
		}
		v.CheckError = describe(p)
	} else {
		v.Checked = true
	}
	h.render(w, r, http.StatusOK, templates.ChannelHealthPanel(v))
}
