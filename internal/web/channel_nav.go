package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/businessprofile"
	"charla/internal/channel"
	"charla/internal/problem"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// channelNav is the tab bar of channel c's settings with tab current open.
// A tab shows when c's type offers it: templates and a business profile
// (WhatsApp), a chat link (WhatsApp and the website).
func (h *handler) channelNav(c channel.Channel, current string) templates.ChannelNav {
	t, _ := h.s.Channels.Types().Get(c.Type)
	_, tpl := t.(msgtpl.Provider)
	_, prof := t.(businessprofile.Provider)
	_, link := t.(channel.Linker)
	return templates.ChannelNav{ID: c.ID, Name: c.Name, Type: c.Type, Current: current,
		Templates: tpl, Profile: prof, QR: link}
}

// requestChannel is the channel {id} of the signed-in user's workspace, for
// its page tab, which its type must offer (else it is not found).
func (h *handler) requestChannel(r *http.Request, tab string) (channel.Channel, templates.ChannelNav, error) {
	c, err := h.s.Channels.Get(r.Context(), currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		return c, templates.ChannelNav{}, err
	}
	nav := h.channelNav(c, tab)
	if (tab == "templates" && !nav.Templates) || (tab == "profile" && !nav.Profile) || (tab == "qr" && !nav.QR) {
		return c, nav, problem.NotFoundf("page")
	}
	return c, nav, nil
}
