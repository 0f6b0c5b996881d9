package emulator

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// graphTemplate is a template as Graph lists it.
func graphTemplate(t Template) map[string]any {
	m := map[string]any{
		"id": t.ID, "name": t.Name, "language": t.Language, "status": t.Status,
		"category": t.Category, "components": t.Components,
	}
	if t.RejectedReason != "" {
		m["rejected_reason"] = t.RejectedReason
	}
	return m
}

// graphTemplates serves /{waba-id}/message_templates.
func (e *Emulator) graphTemplates(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		e.listGraphTemplates(w, r)
	case http.MethodPost:
		e.createTemplateHTTP(w, r)
	case http.MethodDelete:
		q := r.URL.Query()
		e.deleteTemplate(w, q.Get("name"), q.Get("hsm_id"))
	default:
		e.graphError(w, http.StatusBadRequest, unsupported(r.Method, "message_templates"))
	}
}

const (
	defaultTemplatePage = 25
	maxTemplatePage     = 1000
)

// listGraphTemplates pages through templates in creation order. The
// cursors are the base64url of a template id, so a page stays correct when
// templates before it are deleted; paging.next repeats the request's query
// with the next cursor.
func (e *Emulator) listGraphTemplates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultTemplatePage
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			e.graphError(w, http.StatusBadRequest, invalidParam("limit must be a positive integer."))
			return
		}
		limit = min(n, maxTemplatePage)
	}
	var after int64
	if c := q.Get("after"); c != "" {
		id, err := decodeCursor(c)
		if err != nil {
			e.graphError(w, http.StatusBadRequest, invalidParam("after is not a cursor this API returned."))
			return
		}
		after = id
	}
	var page []Template
	more := false
	for _, t := range e.Templates() {
		id, _ := strconv.ParseInt(t.ID, 10, 64)
		if id <= after || !templateMatches(t, q) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, t)
	}
	data := make([]any, len(page))
	for i, t := range page {
		data[i] = graphTemplate(t)
	}
	resp := map[string]any{"data": data}
	if len(page) > 0 {
		paging := map[string]any{"cursors": map[string]string{
			"before": encodeCursor(page[0].ID), "after": encodeCursor(page[len(page)-1].ID),
		}}
		if more {
			next := *r.URL
			nq := r.URL.Query()
			nq.Set("after", encodeCursor(page[len(page)-1].ID))
			next.RawQuery = nq.Encode()
			next.Scheme, next.Host = requestScheme(r), r.Host
			paging["next"] = next.String()
		}
		resp["paging"] = paging
	}
	writeJSON(w, http.StatusOK, resp)
}

// templateMatches applies the list filters: name (exact, as in the
// OpenAPI "get template by name" example), and status, category and
// language when given.
func templateMatches(t Template, q url.Values) bool {
	eq := func(key, v string) bool { f := q.Get(key); return f == "" || strings.EqualFold(f, v) }
	return (q.Get("name") == "" || q.Get("name") == t.Name) && eq("status", t.Status) && eq("category", t.Category) && eq("language", t.Language)
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(b), 10, 64)
}

func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// createTemplateHTTP answers a create on either API with Meta's
// {id, status, category}; the status is always PENDING, even when the
// review is immediate (its webhook follows).
func (e *Emulator) createTemplateHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		e.graphError(w, http.StatusBadRequest, invalidParam("could not read body"))
		return
	}
	t, ae := e.createTemplate(body)
	if ae != nil {
		e.graphError(w, http.StatusBadRequest, *ae)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": t.ID, "status": "PENDING", "category": t.Category})
}

func (e *Emulator) deleteTemplate(w http.ResponseWriter, name, hsmID string) {
	if name == "" {
		e.graphError(w, http.StatusBadRequest, missingParam("name"))
		return
	}
	e.mu.Lock()
	n := e.templates.remove(name, hsmID)
	e.mu.Unlock()
	if n == 0 {
		e.graphError(w, http.StatusBadRequest, invalidParam("Message template "+strconv.Quote(name)+" was not found."))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// dialog360Templates serves 360dialog's /v1/configs/templates[/{name}]:
// the list is under waba_templates (providers.md §2.1), paged with limit
// and offset.
func (e *Emulator) dialog360Templates(w http.ResponseWriter, r *http.Request, name string) {
	switch {
	case name == "" && r.Method == http.MethodGet:
		q := r.URL.Query()
		all := e.Templates()
		offset, _ := strconv.Atoi(q.Get("offset"))
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit < 1 {
			limit = maxTemplatePage
		}
		offset = min(max(offset, 0), len(all))
		page := all[offset:min(offset+limit, len(all))]
		list := make([]any, len(page))
		for i, t := range page {
			list[i] = graphTemplate(t)
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"count": len(list), "limit": limit, "offset": offset, "total": len(all), "waba_templates": list,
		})
	case name == "" && r.Method == http.MethodPost:
		e.createTemplateHTTP(w, r)
	case name != "" && r.Method == http.MethodDelete:
		// hsm_id narrows the delete to one language, as on Graph.
		e.deleteTemplate(w, name, r.URL.Query().Get("hsm_id"))
	default:
		e.graphError(w, http.StatusMethodNotAllowed, unsupported(r.Method, "v1/configs/templates"))
	}
}
