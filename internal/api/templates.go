package api

import (
	"net/http"
	"regexp"
	"slices"

	"charla/internal/httpx"
	"charla/internal/problem"
	"charla/internal/templates"
)

// A channel's WhatsApp message templates. Any user may read them (agents pick
// one to send); only owners and admins sync, submit and delete.

var (
	statusFilterRE   = regexp.MustCompile(`^[A-Z_]{1,40}$`)
	languageFilterRE = regexp.MustCompile(`^[A-Za-z_]{2,20}$`)
	categories       = []string{templates.CategoryMarketing, templates.CategoryUtility, templates.CategoryAuthentication}
)

func templateFilter(r *http.Request) (templates.Filter, error) {
	q, err := search(r, "q")
	if err != nil {
		return templates.Filter{}, err
	}
	f := templates.Filter{Query: q, Status: r.URL.Query().Get("status"),
		Category: r.URL.Query().Get("category"), Language: r.URL.Query().Get("language")}
	switch {
	case f.Status != "" && !statusFilterRE.MatchString(f.Status):
		return f, badRequest("status", "must be a status in capitals, e.g. APPROVED")
	case f.Category != "" && !slices.Contains(categories, f.Category):
		return f, badRequest("category", "must be MARKETING, UTILITY or AUTHENTICATION")
	case f.Language != "" && !languageFilterRE.MatchString(f.Language):
		return f, badRequest("language", "must be a language code, e.g. pt_BR")
	}
	return f, nil
}

func (a *server) channelTemplates(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "channel_id", "channel")
	if err != nil {
		a.error(w, r, err)
		return
	}
	f, err := templateFilter(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	ts, st, err := a.s.Templates.List(r.Context(), user(r).WorkspaceID, id, f)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, templatesOut(ts, st))
}

func (a *server) syncTemplates(w http.ResponseWriter, r *http.Request) {
	id, err := managedChannel(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	res, err := a.s.Templates.Sync(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, providerFailed(err))
		return
	}
	httpx.JSON(w, http.StatusOK, syncOut(res))
}

// maxSubmission bounds a template submission: a 20 MB media sample in
// base64, and the rest of the template.
const maxSubmission = (templates.MaxSampleBytes+2)/3*4 + 64<<10

func (a *server) submitTemplate(w http.ResponseWriter, r *http.Request) {
	id, err := managedChannel(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	var sub templates.Submission
	if err := decodeJSON(w, r, &sub, maxSubmission); err != nil {
		a.error(w, r, err)
		return
	}
	t, err := a.s.Templates.Submit(r.Context(), user(r).WorkspaceID, id, sub)
	if err != nil {
		a.error(w, r, providerFailed(err))
		return
	}
	httpx.JSON(w, http.StatusCreated, templateOut(t))
}

func (a *server) getTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := a.channelTemplate(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, templateOut(t))
}

func (a *server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	if err := requireManager(r); err != nil {
		a.error(w, r, err)
		return
	}
	t, err := a.channelTemplate(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.s.Templates.Delete(r.Context(), user(r).WorkspaceID, t.ID); err != nil {
		a.error(w, r, providerFailed(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// channelTemplate is the template of the path, which must belong to the
// path's channel: another channel's template is not found here.
func (a *server) channelTemplate(r *http.Request) (templates.Template, error) {
	chID, err := pathID(r, "channel_id", "channel")
	if err != nil {
		return templates.Template{}, err
	}
	id, err := pathID(r, "template_id", "template")
	if err != nil {
		return templates.Template{}, err
	}
	ws := user(r).WorkspaceID
	if _, err := a.s.Channels.Get(r.Context(), ws, chID); err != nil {
		return templates.Template{}, err
	}
	t, err := a.s.Templates.Get(r.Context(), ws, id)
	if err == nil && t.ChannelID != chID {
		err = problem.NotFoundf("template")
	}
	return t, err
}

func (a *server) templateLanguages(w http.ResponseWriter, r *http.Request) {
	all := templates.SupportedLanguages()
	out := languagesJSON{Data: make([]languageJSON, len(all))}
	for i, l := range all {
		out.Data[i] = languageJSON{Code: l.Code, Name: l.Name}
	}
	httpx.JSON(w, http.StatusOK, out)
}

// managedChannel is the path's channel id for an operation only owners and
// admins may run.
func managedChannel(r *http.Request) (string, error) {
	if err := requireManager(r); err != nil {
		return "", err
	}
	return pathID(r, "channel_id", "channel")
}
