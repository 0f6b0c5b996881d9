package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/web/templates"
)

// This file is the website channel's form: greeting, allowed origins,
// pre-chat form, colour, and the install snippet.

func (h *handler) newWebsitePage(w http.ResponseWriter, r *http.Request) {
	// The defaults the website type fills in when settings are left out.
	s := webchat.Settings{Greeting: "Hi! How can we help you today?", Color: "#2563eb"}
	h.render(w, r, http.StatusOK, templates.ChannelPage(h.channelForm(r, "New website channel", channel.Channel{Type: webchat.TypeName}, s)))
}

func (h *handler) websitePage(w http.ResponseWriter, r *http.Request, c channel.Channel) {
	h.render(w, r, http.StatusOK, templates.ChannelPage(h.channelForm(r, c.Name, c, webchat.Parse(c.Settings))))
}

// channelForm fills the form from a channel and its website settings.
func (h *handler) channelForm(r *http.Request, title string, c channel.Channel, s webchat.Settings) templates.ChannelForm {
	v := templates.ChannelForm{
		Settings: h.settings(r, "channels", title),
		ID:       c.ID, Type: c.Type, Name: c.Name,
		Greeting: s.Greeting, Origins: strings.Join(s.AllowedOrigins, "\n"),
		Prechat: s.PrechatForm.Enabled, RequireEmail: s.PrechatForm.RequireEmail, Color: s.Color,
	}
	if c.ID != "" {
		v.Nav = h.channelNav(c, "settings")
	}
	if c.ID != "" && c.Type == webchat.TypeName {
		v.Snippet = `<script src="` + h.s.Config.BaseURL + `/widget.js" data-channel="` + c.ID + `" async></script>`
	}
	return v
}

// postedWebsite reads the form into a name and website settings.
func postedWebsite(r *http.Request) (string, webchat.Settings) {
	s := webchat.Settings{
		Greeting: r.PostFormValue("greeting"),
		Color:    strings.TrimSpace(r.PostFormValue("color")),
		PrechatForm: webchat.Prechat{
			Enabled:      r.PostFormValue("prechat_enabled") != "",
			RequireEmail: r.PostFormValue("prechat_require_email") != "",
		},
		AllowedOrigins: []string{},
	}
	for _, line := range strings.Split(r.PostFormValue("allowed_origins"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			s.AllowedOrigins = append(s.AllowedOrigins, line)
		}
	}
	return r.PostFormValue("name"), s
}

func (h *handler) createWebsite(w http.ResponseWriter, r *http.Request) {
	name, s := postedWebsite(r)
	raw, err := json.Marshal(s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.s.Channels.Create(r.Context(), currentUser(r.Context()).WorkspaceID, webchat.TypeName, name, raw, nil)
	if err != nil {
		h.websiteFailed(w, r, err, channel.Channel{Type: webchat.TypeName, Name: name}, s)
		return
	}
	done(w, r, "/settings/channels/"+c.ID, "channel-created")
}

func (h *handler) updateWebsite(w http.ResponseWriter, r *http.Request, c channel.Channel) {
	name, s := postedWebsite(r)
	raw, err := json.Marshal(s)
	if err == nil {
		_, err = h.s.Channels.Update(r.Context(), c.WorkspaceID, c.ID, &name, raw, nil)
	}
	if err != nil {
		c.Name = name
		h.websiteFailed(w, r, err, c, s)
		return
	}
	done(w, r, "/settings/channels/"+c.ID, "channel-updated")
}

// websiteFailed shows the form again as typed, with what to fix.
func (h *handler) websiteFailed(w http.ResponseWriter, r *http.Request, err error, c channel.Channel, s webchat.Settings) {
	status, e := h.formErrors(r, err)
	title := c.Name
	if c.ID == "" {
		title = "New website channel"
	}
	v := h.channelForm(r, title, c, s)
	v.Errors, v.Notice = e, ""
	h.render(w, r, status, templates.ChannelPage(v))
}
