package api

import (
	"net/http"

	"charla/internal/contacts"
	"charla/internal/httpx"
)

// Opt-outs: whether broadcasts may reach a contact. Every role may record a
// contact's wish either way, as agents do in the inbox.

// subscriptionJSON is the spec's Subscription.
type subscriptionJSON struct {
	Subscribed bool        `json:"subscribed"`
	OptOut     *optOutJSON `json:"opt_out"`
}

type optOutJSON struct {
	At     string `json:"at"`
	Reason string `json:"reason"`
	Source string `json:"source"`
}

// unsubscribeRequest is the spec's UnsubscribeRequest.
type unsubscribeRequest struct {
	Reason *string `json:"reason"`
}

func (a *server) getSubscription(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.writeSubscription(w, r, id)
}

func (a *server) unsubscribeContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req unsubscribeRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	reason := ""
	if req.Reason != nil {
		reason = *req.Reason
	}
	if err := a.s.Contacts.Unsubscribe(r.Context(), user(r).WorkspaceID, id, reason, contacts.OptOutAPI); err != nil {
		a.error(w, r, err)
		return
	}
	a.writeSubscription(w, r, id)
}

func (a *server) resubscribeContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.s.Contacts.Resubscribe(r.Context(), user(r).WorkspaceID, id); err != nil {
		a.error(w, r, err)
		return
	}
	a.writeSubscription(w, r, id)
}

func (a *server) writeSubscription(w http.ResponseWriter, r *http.Request, id string) {
	o, err := a.s.Contacts.OptOutOf(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := subscriptionJSON{Subscribed: o == nil}
	if o != nil {
		out.OptOut = &optOutJSON{At: timestamp(o.At), Reason: o.Reason, Source: o.Source}
	}
	httpx.JSON(w, http.StatusOK, out)
}
