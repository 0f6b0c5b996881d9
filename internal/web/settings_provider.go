package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"charla/internal/channel"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// This file is the form of provider channels (WhatsApp through Meta's Cloud
// API or 360dialog). Its fields come from templates.ProviderFields, so the
// form and what is read back can't disagree. Secrets are write-only: they
// are never put in a page, and a secret field left empty keeps what is stored.

// providerPage shows a provider channel, or the form to connect one (c.ID "").
func (h *handler) providerPage(w http.ResponseWriter, r *http.Request, c channel.Channel) {
	v, err := h.providerForm(r, c, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.ProviderPage(v))
}

// providerForm fills the form from channel c, or from typed (the settings an
// admin just posted) when a save failed.
func (h *handler) providerForm(r *http.Request, c channel.Channel, typed map[string]string) (templates.ProviderForm, error) {
	title := c.Name
	if c.ID == "" {
		title = "Connect " + templates.TypeLabel(c.Type)
	}
	v := templates.ProviderForm{Settings: h.settings(r, "channels", title), ID: c.ID, Type: c.Type, Name: c.Name,
		Values: typed}
	if v.Values == nil {
		v.Values = storedSettings(c)
	}
	if c.ID == "" {
		return v, nil
	}
	v.Setup = h.s.Channels.SetupItems(c)
	v.Nav = h.channelNav(c, "settings")
	health, err := h.channelHealth(r, c)
	if err != nil {
		return v, err
	}
	v.Health = &health
	return v, nil
}

// storedSettings are the form's non-secret values as the channel stores them.
func storedSettings(c channel.Channel) map[string]string {
	var all map[string]any
	_ = json.Unmarshal(c.Settings, &all)
	out := map[string]string{}
	for _, f := range templates.ProviderFields(c.Type) {
		switch v := all[f.Key].(type) {
		case string:
			if !f.Secret {
				out[f.Key] = v
			}
		case float64:
			out[f.Key] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return out
}

// settingsJSON is a posted form's settings as the channel type reads them:
// number fields as JSON numbers (null when empty, for the default).
func settingsJSON(typ string, typed map[string]string) (json.RawMessage, error) {
	out := map[string]any{}
	for k, v := range typed {
		out[k] = v
	}
	for _, f := range templates.ProviderFields(typ) {
		if !f.Number {
			continue
		}
		v := typed[f.Key]
		out[f.Key] = nil // null, not absent: an edit merges, and null resets to the default
		if v == "" {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, problem.Field(f.ErrorKey(), "must be a number, like "+f.Placeholder)
		}
		out[f.Key] = n
	}
	return json.Marshal(out)
}

// postedProvider reads the form of type typ: the name, the settings (every
// field, so an emptied one falls back to its default) and the secrets typed
// (only those: an empty secret field means "keep").
func postedProvider(r *http.Request, typ string) (name string, settings, secrets map[string]string) {
	settings, secrets = map[string]string{}, map[string]string{}
	for _, f := range templates.ProviderFields(typ) {
		v := strings.TrimSpace(r.PostFormValue(f.Key))
		switch {
		case !f.Secret:
			settings[f.Key] = v
		case v != "":
			secrets[f.Key] = v
		}
	}
	return r.PostFormValue("name"), settings, secrets
}

func (h *handler) createProvider(w http.ResponseWriter, r *http.Request, typ string) {
	name, settings, secrets := postedProvider(r, typ)
	raw, err := settingsJSON(typ, settings)
	var c channel.Channel
	if err == nil {
		c, err = h.s.Channels.Create(r.Context(), currentUser(r.Context()).WorkspaceID, typ, name, raw, secrets)
	}
	if err != nil {
		h.providerFailed(w, r, err, channel.Channel{Type: typ, Name: name}, settings)
		return
	}
	done(w, r, "/settings/channels/"+c.ID, "provider-created")
}

func (h *handler) updateProvider(w http.ResponseWriter, r *http.Request, c channel.Channel) {
	name, settings, secrets := postedProvider(r, c.Type)
	raw, err := settingsJSON(c.Type, settings)
	if err == nil {
		_, err = h.s.Channels.Update(r.Context(), c.WorkspaceID, c.ID, &name, raw, secrets)
	}
	if err != nil {
		c.Name = name
		h.providerFailed(w, r, err, c, settings)
		return
	}
	done(w, r, "/settings/channels/"+c.ID, "channel-updated")
}

// providerFailed shows the form again as typed, secrets left empty, with what to fix.
func (h *handler) providerFailed(w http.ResponseWriter, r *http.Request, err error, c channel.Channel, typed map[string]string) {
	status, e := h.formErrors(r, err)
	v, ferr := h.providerForm(r, c, typed)
	if ferr != nil {
		h.fail(w, r, ferr)
		return
	}
	v.Errors, v.Notice = e, ""
	h.render(w, r, status, templates.ProviderPage(v))
}
