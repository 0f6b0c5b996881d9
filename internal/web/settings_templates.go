package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"charla/internal/channel"
	"charla/internal/problem"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// This file is a WhatsApp channel's template list: search and filters,
// the sync state, "Sync now" and deletion at the provider. The form that
// submits a new template is in settings_template_new.go.

// templateFilter reads the list's selection from the query.
func templateFilter(r *http.Request) templates.TemplateFilter {
	q := r.URL.Query()
	f := templates.TemplateFilter{Q: strings.TrimSpace(q.Get("q")), Status: strings.ToUpper(strings.TrimSpace(q.Get("status"))),
		Category: strings.ToUpper(strings.TrimSpace(q.Get("category"))), Language: strings.TrimSpace(q.Get("language"))}
	if utf8.RuneCountInString(f.Q) > 200 {
		f.Q = string([]rune(f.Q)[:200])
	}
	return f
}

// templateList loads the list of channel c as filtered by the request.
func (h *handler) templateList(r *http.Request, c channel.Channel) (templates.Templates, error) {
	f := templateFilter(r)
	list, state, err := h.s.Templates.List(r.Context(), c.WorkspaceID, c.ID,
		msgtpl.Filter{Query: f.Q, Status: f.Status, Category: f.Category, Language: f.Language})
	if err != nil {
		return templates.Templates{}, err
	}
	return templates.Templates{Settings: h.settings(r, "channels", c.Name+" · Templates"),
		Nav: h.channelNav(c, "templates"), Filter: f, Templates: list, Sync: state}, nil
}

// templatesPage is the list; its own refresh (while a template is pending)
// gets only the rows.
func (h *handler) templatesPage(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "templates")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.templateList(r, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if hxTarget(r) == "template-rows" {
		h.render(w, r, http.StatusOK, templates.TemplateRows(v))
		return
	}
	h.render(w, r, http.StatusOK, templates.TemplatesPage(v))
}

// syncTemplates reads every template from the provider now. A provider
// failure is recorded as the last sync error, which the list shows.
func (h *handler) syncTemplates(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "templates")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	path := "/settings/channels/" + c.ID + "/templates"
	if _, err := h.s.Templates.Sync(r.Context(), c.WorkspaceID, c.ID); err != nil {
		if problem.As(err).Kind == problem.Internal {
			h.fail(w, r, err)
			return
		}
		done(w, r, path, "templates-sync-failed")
		return
	}
	done(w, r, path, "templates-synced")
}

// deleteTemplate deletes one template at the provider. When the provider
// refuses, the list comes back with its answer and nothing changed.
func (h *handler) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "templates")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	t, err := h.s.Templates.Get(r.Context(), c.WorkspaceID, chi.URLParam(r, "tid"))
	if err == nil && t.ChannelID != c.ID {
		err = problem.NotFoundf("template")
	}
	if err == nil {
		err = h.s.Templates.Delete(r.Context(), c.WorkspaceID, t.ID)
	}
	if err != nil {
		p := problem.As(err)
		if p.Kind == problem.NotFound || p.Kind == problem.Internal {
			h.fail(w, r, err)
			return
		}
		v, lerr := h.templateList(r, c)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		status, e := h.formErrors(r, err)
		v.Errors, v.Notice = e, ""
		h.render(w, r, status, templates.TemplatesPage(v))
		return
	}
	done(w, r, "/settings/channels/"+c.ID+"/templates", "template-deleted")
}
