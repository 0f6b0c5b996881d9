package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// This file saves the contacts list's filter as a segment, and changes and
// deletes segments. Everyone in the workspace may apply segments and count
// them; saving, changing and deleting them is for owners and admins, since
// broadcasts are sent to segments.

// segmentManagers admits owners and admins.
func (h *handler) segmentManagers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !currentUser(r.Context()).CanManage() {
			h.fail(w, r, problem.New(problem.Forbidden, "Only owners and admins can save, change or delete segments."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// createSegment saves the builder's conditions under a name. A blank
// condition is a problem here, unlike in the live list, so nothing is saved
// that differs from what the builder shows.
func (h *handler) createSegment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws := currentUser(ctx).WorkspaceID
	form := postedForm(r)
	d, name := draftFrom(form), form.Get("name")
	b := buildFilter(d, true)
	var err error
	var sg contacts.Segment
	if err = b.refuse(name); err == nil {
		sg, err = h.s.Contacts.CreateSegment(ctx, ws, contacts.SegmentInput{Name: &name, Filter: &b.f})
	}
	if err != nil {
		// The segment applied while saving a copy stays applied.
		var applied *contacts.Segment
		if id := form.Get("segment"); id != "" {
			if s, gerr := h.s.Contacts.GetSegment(ctx, ws, id); gerr == nil {
				applied = &s
			}
		}
		h.segmentFailed(w, r, applied, d, b, "create", name, err)
		return
	}
	h.redirect(w, r, "/contacts?segment="+url.QueryEscape(sg.ID)+"&done=segment-created")
}

// updateSegment renames the segment and replaces its conditions with the builder's.
func (h *handler) updateSegment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws := currentUser(ctx).WorkspaceID
	sg, err := h.s.Contacts.GetSegment(ctx, ws, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form := postedForm(r)
	d, name := draftFrom(form), form.Get("name")
	b := buildFilter(d, true)
	if err = b.refuse(name); err == nil {
		_, err = h.s.Contacts.UpdateSegment(ctx, ws, sg.ID, contacts.SegmentInput{Name: &name, Filter: &b.f})
	}
	if err != nil {
		h.segmentFailed(w, r, &sg, d, b, "update", name, err)
		return
	}
	h.redirect(w, r, "/contacts?segment="+url.QueryEscape(sg.ID)+"&done=segment-updated")
}

// deleteSegment removes a segment; its contacts stay.
func (h *handler) deleteSegment(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	if err := h.s.Contacts.DeleteSegment(r.Context(), u.WorkspaceID, chi.URLParam(r, "id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/contacts?done=segment-deleted")
}

// segmentCount is how many contacts a saved segment holds now.
func (h *handler) segmentCount(w http.ResponseWriter, r *http.Request) {
	ws := currentUser(r.Context()).WorkspaceID
	sg, err := h.s.Contacts.GetSegment(r.Context(), ws, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n, err := h.s.Contacts.Count(r.Context(), ws, sg.Filter)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.SegmentCount(n))
}

// segmentFailed shows the builder again with what to fix by each condition
// and the name, keeping what was typed; nothing was saved.
func (h *handler) segmentFailed(w http.ResponseWriter, r *http.Request, applied *contacts.Segment, d templates.SegmentDraft, b builtFilter, form, name string, err error) {
	if k := problem.As(err).Kind; k == problem.NotFound || k == problem.Internal {
		h.fail(w, r, err)
		return
	}
	v, verr := h.contactsView(r, applied, d, "")
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	status, e := h.formErrors(r, err)
	fields := b.problems(err)
	for k, msg := range v.Errors.Fields {
		if _, ok := fields[k]; !ok {
			fields[k] = msg
		}
	}
	v.Errors = templates.Errors{Fields: fields, Message: "The segment was not saved: fix what is marked in red."}
	if len(fields) == 0 {
		v.Errors.Message = e.Message
	}
	v.FailedForm, v.Name = form, name
	if !isHTMX(r) {
		h.render(w, r, status, templates.ContactsList(v))
		return
	}
	h.render(w, r, status, templates.ContactsWork(v))
}

// refuse reports why a draft with problems of its own (blank conditions,
// dates that aren't) can't be saved: the filter's and the name's problems
// besides, under the filter's field names like the service's (problems adds
// the draft's own).
func (b builtFilter) refuse(name string) error {
	if len(b.fields) == 0 {
		return nil
	}
	fields := map[string]string{}
	if err := b.f.Validate(); err != nil {
		for k, v := range problem.As(err).Fields {
			fields[k] = v
		}
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 100 {
		fields["name"] = "must be 1 to 100 characters"
	}
	return &problem.Error{Kind: problem.Invalid, Message: "the segment has blank or invalid conditions", Fields: fields}
}

// postedForm is the request's form body (the builder's fields and the name).
func postedForm(r *http.Request) url.Values {
	_ = r.ParseForm()
	return r.PostForm
}
