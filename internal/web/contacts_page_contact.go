package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"charla/internal/contacts"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// This file is one contact's page (/contacts/{id}) and their subscription to
// broadcasts: an agent may unsubscribe them (with a reason) or, when they
// asked for it, subscribe them again after a STOP.

// contactConversations is how many of a contact's conversations their page lists.
const contactConversations = 50

// contactPage shows a contact of the workspace; any other is not found.
func (h *handler) contactPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.contactPageView(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.ContactDetail(v))
}

func (h *handler) contactPageView(r *http.Request, id string) (templates.ContactPage, error) {
	ctx := r.Context()
	u := currentUser(ctx)
	c, err := h.s.Contacts.Get(ctx, u.WorkspaceID, id)
	if err != nil {
		return templates.ContactPage{}, err
	}
	chans, err := h.s.Channels.List(ctx, u.WorkspaceID)
	if err != nil {
		return templates.ContactPage{}, err
	}
	names := make(map[string]string, len(chans))
	for _, ch := range chans {
		names[ch.ID] = ch.Name
	}
	convs, err := h.s.Inbox.List(ctx, u, inbox.Filter{ContactID: c.ID, Status: "all", Limit: contactConversations})
	if err != nil {
		return templates.ContactPage{}, err
	}
	sub, err := h.subscription(ctx, u.WorkspaceID, c.ID)
	if err != nil {
		return templates.ContactPage{}, err
	}
	return templates.ContactPage{Layout: h.layout(r, contactDisplayName(c), "contacts"), Contact: c, Channels: names,
		Conversations: convs.Conversations, MoreConversations: convs.Next != "", Subscription: sub}, nil
}

func contactDisplayName(c contacts.Contact) string {
	return templates.ContactName(inbox.ContactSummary{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone})
}

func (h *handler) subscription(ctx context.Context, ws, id string) (templates.Subscription, error) {
	o, err := h.s.Contacts.OptOutOf(ctx, ws, id)
	if err != nil {
		return templates.Subscription{}, err
	}
	return templates.Subscription{ContactID: id, OptOut: o}, nil
}

// unsubscribe records, as an agent's doing, that the contact wants no more broadcasts.
func (h *handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	ws, id := currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")
	reason := r.PostFormValue("reason")
	err := h.s.Contacts.Unsubscribe(r.Context(), ws, id, reason, contacts.OptOutAgent)
	h.subscriptionChanged(w, r, err, reason, "Unsubscribed: broadcasts no longer reach this contact.")
}

// resubscribe lets broadcasts reach the contact again.
func (h *handler) resubscribe(w http.ResponseWriter, r *http.Request) {
	ws, id := currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")
	err := h.s.Contacts.Resubscribe(r.Context(), ws, id)
	h.subscriptionChanged(w, r, err, "", "Subscribed again: broadcasts reach this contact.")
}

// subscriptionChanged answers htmx with the subscription box (saved, or with
// what to fix and the reason as typed), and a plain form with the page.
func (h *handler) subscriptionChanged(w http.ResponseWriter, r *http.Request, err error, reason, notice string) {
	if k := problem.As(err).Kind; err != nil && (k == problem.NotFound || k == problem.Internal) {
		h.fail(w, r, err)
		return
	}
	ws, id := currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id")
	if err == nil && !isHTMX(r) {
		http.Redirect(w, r, "/contacts/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	sub, serr := h.subscription(r.Context(), ws, id)
	if serr != nil {
		h.fail(w, r, serr)
		return
	}
	status := http.StatusOK
	if err != nil {
		status, sub.Errors = h.formErrors(r, err)
		sub.Reason = reason
	} else {
		sub.Notice = notice
	}
	if isHTMX(r) {
		h.render(w, r, status, templates.SubscriptionBox(sub))
		return
	}
	v, verr := h.contactPageView(r, id)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	v.Subscription = sub
	h.render(w, r, status, templates.ContactDetail(v))
}
