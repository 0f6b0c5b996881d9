package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

func (h *handler) contactView(ctx context.Context, ws, id string) (templates.Contact, error) {
	c, err := h.s.Contacts.Get(ctx, ws, id)
	if err != nil {
		return templates.Contact{}, err
	}
	chans, err := h.s.Channels.List(ctx, ws)
	if err != nil {
		return templates.Contact{}, err
	}
	names := make(map[string]string, len(chans))
	for _, ch := range chans {
		names[ch.ID] = ch.Name
	}
	optOut, err := h.s.Contacts.OptOutOf(ctx, ws, id)
	if err != nil {
		return templates.Contact{}, err
	}
	return templates.Contact{Contact: c, Channels: names, OptOut: optOut,
		Form: templates.ContactForm{Name: c.Name, Email: c.Email, Phone: c.Phone}}, nil
}

func (h *handler) updateContact(w http.ResponseWriter, r *http.Request) {
	f := templates.ContactForm{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone")}
	ws, id := currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")
	_, err := h.s.Contacts.Update(r.Context(), ws, id, contacts.Input{Name: &f.Name, Email: &f.Email, Phone: &f.Phone})
	h.contactChanged(w, r, err, &f)
}

func (h *handler) addTag(w http.ResponseWriter, r *http.Request) {
	ws, id := currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")
	_, err := h.s.Contacts.AddTags(r.Context(), ws, id, []string{r.PostFormValue("tag")})
	h.contactChanged(w, r, err, nil)
}

func (h *handler) removeTag(w http.ResponseWriter, r *http.Request) {
	ws, id := currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")
	_, err := h.s.Contacts.RemoveTag(r.Context(), ws, id, r.PostFormValue("tag"))
	h.contactChanged(w, r, err, nil)
}

// contactChanged re-renders the panel: saved, or with what to fix next to the
// fields (typed values kept). The list and header show the contact's name,
// so they are told to refresh.
func (h *handler) contactChanged(w http.ResponseWriter, r *http.Request, err error, typed *templates.ContactForm) {
	if k := problem.As(err).Kind; err != nil && (k == problem.NotFound || k == problem.Internal) {
		h.fail(w, r, err) // nothing to fix in the form
		return
	}
	v, verr := h.contactView(r.Context(), currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id"))
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	status := http.StatusOK
	if err != nil {
		status, v.Errors = h.formErrors(r, err)
		if typed != nil {
			v.Form = *typed
		}
	} else {
		v.Saved = typed != nil
		w.Header().Set("HX-Trigger", "contact-changed")
	}
	h.render(w, r, status, templates.ContactPanel(v))
}
