package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// This file is the composer's template mode: the agent picks one of the
// channel's approved templates, fills its variables with typed text or
// dynamic values ({{contact.first_name}} …) and sees the message as the
// contact will. Sending goes through templates.Prepare, as the API does.

// templateChoice is a chosen template with the conversation and contact it
// is for.
type templateChoice struct {
	conv     inbox.Conversation
	template msgtpl.Template
	contact  contacts.Contact
}

// chooseTemplate loads template id for conversation convID; a template of
// another channel is refused.
func (h *handler) chooseTemplate(ctx context.Context, u auth.User, convID, id string) (templateChoice, error) {
	conv, err := h.s.Inbox.Get(ctx, u.WorkspaceID, convID)
	if err != nil {
		return templateChoice{}, err
	}
	if id == "" {
		return templateChoice{conv: conv}, problem.Field("template_id", "is required: choose one of the channel's approved templates")
	}
	t, err := h.s.Templates.Get(ctx, u.WorkspaceID, id)
	if problem.Is(err, problem.NotFound) || (err == nil && t.ChannelID != conv.ChannelID) {
		return templateChoice{conv: conv}, problem.Field("template_id", "is not a template of this conversation's channel; choose another")
	}
	if err != nil {
		return templateChoice{}, err
	}
	c, err := h.s.Contacts.Get(ctx, u.WorkspaceID, conv.Contact.ID)
	if err != nil {
		return templateChoice{}, err
	}
	return templateChoice{conv: conv, template: t, contact: c}, nil
}

// templateDraft prepares the composer's template for sending: the service
// refuses a template that may not be sent and names each missing value.
func (h *handler) templateDraft(r *http.Request, u auth.User, convID string) (inbox.Draft, error) {
	ch, err := h.chooseTemplate(r.Context(), u, convID, strings.TrimSpace(r.PostFormValue("template_id")))
	if err != nil {
		return inbox.Draft{}, err
	}
	values, err := templateValues(r.PostForm, ch.template.Slots())
	if err != nil {
		return inbox.Draft{}, err
	}
	t := ch.template
	rr, err := h.s.Templates.Prepare(r.Context(), u.WorkspaceID, ch.conv.ChannelID, t.Name, t.Language, values, ch.contact, u.Name)
	if err != nil {
		return inbox.Draft{}, err
	}
	return inbox.Draft{Kind: content.KindTemplate, Content: &content.Content{Template: &rr.Template}}, nil
}

// templateValues reads the composer's inputs for a template with slots s.
func templateValues(form url.Values, s msgtpl.Slots) (msgtpl.Values, error) {
	var v msgtpl.Values
	if s.HeaderText {
		v.Header = []string{form.Get(templates.VarHeader)}
	}
	for i := range s.Body {
		v.Body = append(v.Body, form.Get(templates.VarBody(i+1)))
	}
	for _, b := range s.Buttons {
		if v.Buttons == nil {
			v.Buttons = map[int]string{}
		}
		v.Buttons[b.Index] = form.Get(templates.VarButton(b.Index))
	}
	switch s.HeaderFormat {
	case "IMAGE", "VIDEO", "DOCUMENT":
		link := strings.TrimSpace(form.Get(templates.VarMediaLink))
		if link == "" {
			break
		}
		if u, err := url.Parse(link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return v, problem.Field("header.media", "must be a web address starting with https://")
		}
		v.HeaderMedia = &msgtpl.Media{Link: link, Filename: strings.TrimSpace(form.Get(templates.VarMediaFilename))}
	case "LOCATION":
		lat, long := strings.TrimSpace(form.Get(templates.VarLatitude)), strings.TrimSpace(form.Get(templates.VarLongitude))
		if lat == "" && long == "" {
			break
		}
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
			return v, problem.Field("header.location", "needs a latitude (-90 to 90) and a longitude (-180 to 180), e.g. 40.4168 and -3.7038")
		}
		v.HeaderLocation = &content.Location{Latitude: la, Longitude: lo,
			Name: strings.TrimSpace(form.Get(templates.VarLocationName)), Address: strings.TrimSpace(form.Get(templates.VarLocationAddr))}
	}
	return v, nil
}

// templateFields answers the composer's template choice with the inputs
// of its variables and a first preview.
func (h *handler) templateFields(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	id := strings.TrimSpace(r.URL.Query().Get("template_id"))
	if id == "" {
		h.render(w, r, http.StatusOK, templates.TemplateVarsFragment(templates.TemplateVars{}))
		return
	}
	ch, err := h.chooseTemplate(r.Context(), u, chi.URLParam(r, "id"), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	slots := ch.template.Slots()
	values, _ := templateValues(r.URL.Query(), slots)
	values.Vars = msgtpl.ResolveVars(ch.contact, u.Name)
	h.render(w, r, http.StatusOK, templates.TemplateVarsFragment(templates.TemplateVars{
		ConvID: ch.conv.ID, Template: ch.template, Slots: slots, Values: map[string]string{},
		Dynamic: templates.DynamicValues(values.Vars), Preview: msgtpl.Sketch(ch.template, values),
	}))
}

// templatePreview re-draws the preview as the agent types: dynamic values
// show as this contact's, values not given yet as their variables.
func (h *handler) templatePreview(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	ch, err := h.chooseTemplate(r.Context(), u, chi.URLParam(r, "id"), strings.TrimSpace(r.URL.Query().Get("template_id")))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// A value that can't be used yet (half-typed coordinates) just isn't shown.
	values, _ := templateValues(r.URL.Query(), ch.template.Slots())
	values.Vars = msgtpl.ResolveVars(ch.contact, u.Name)
	h.render(w, r, http.StatusOK, templates.TemplatePreview(msgtpl.Sketch(ch.template, values)))
}
