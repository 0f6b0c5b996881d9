package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// This file lists channels and sends each request to the form of its type:
// website channels (settings_website.go) or provider numbers such as
// WhatsApp (settings_provider.go). Other types are configured through the API.

var errAPIOnly = problem.New(problem.Conflict, "this channel type is configured through the API, not here")

func (h *handler) channelsPage(w http.ResponseWriter, r *http.Request) {
	chans, err := h.s.Channels.List(r.Context(), currentUser(r.Context()).WorkspaceID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.ChannelsPage(templates.Channels{
		Settings: h.settings(r, "channels", "Channels"), Channels: chans, Connect: h.providerTypes(),
	}))
}

// providerTypes are the provider types this server runs and the UI has a form for.
func (h *handler) providerTypes() []string {
	var out []string
	for _, t := range templates.ProviderTypes {
		if h.isProvider(t) {
			out = append(out, t)
		}
	}
	return out
}

// isProvider tells whether typ is served and has a provider form.
func (h *handler) isProvider(typ string) bool {
	_, served := h.s.Channels.Types().Get(typ)
	return served && templates.ProviderFields(typ) != nil
}

func (h *handler) newChannelPage(w http.ResponseWriter, r *http.Request) {
	typ := r.URL.Query().Get("type")
	switch {
	case typ == "" || typ == webchat.TypeName:
		h.newWebsitePage(w, r)
	case h.isProvider(typ):
		h.providerPage(w, r, channel.Channel{Type: typ})
	default:
		h.fail(w, r, problem.NotFoundf("channel type"))
	}
}

func (h *handler) createChannel(w http.ResponseWriter, r *http.Request) {
	typ := r.PostFormValue("type")
	switch {
	case typ == "" || typ == webchat.TypeName:
		h.createWebsite(w, r)
	case h.isProvider(typ):
		h.createProvider(w, r, typ)
	default:
		h.fail(w, r, problem.Field("type", "is not a channel type this server can connect"))
	}
}

func (h *handler) channelPage(w http.ResponseWriter, r *http.Request) {
	c, err := h.s.Channels.Get(r.Context(), currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if templates.ProviderFields(c.Type) != nil {
		h.providerPage(w, r, c)
		return
	}
	h.websitePage(w, r, c)
}

func (h *handler) updateChannel(w http.ResponseWriter, r *http.Request) {
	c, err := h.s.Channels.Get(r.Context(), currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch {
	case c.Type == webchat.TypeName:
		h.updateWebsite(w, r, c)
	case templates.ProviderFields(c.Type) != nil:
		h.updateProvider(w, r, c)
	default:
		h.fail(w, r, errAPIOnly)
	}
}

// deleteChannel retires a channel of any type: contacts and history stay,
// secrets are wiped (channel.Service.Delete).
func (h *handler) deleteChannel(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Channels.Delete(r.Context(), currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")); err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, "/settings/channels", "channel-deleted")
}
