package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// assign sets the agent and/or team, whichever select was changed: each
// select posts only its own field, so it can't undo a colleague's other change.
func (h *handler) assign(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	var agent, team inbox.Opt
	if v, ok := r.PostForm["assignee_id"]; ok {
		agent = inbox.Opt{Set: true, Value: v[0]}
	}
	if v, ok := r.PostForm["team_id"]; ok {
		team = inbox.Opt{Set: true, Value: v[0]}
	}
	_, err := h.s.Inbox.Assign(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"), agent, team)
	h.changed(w, r, err)
}

func (h *handler) unassign(w http.ResponseWriter, r *http.Request) {
	_, err := h.s.Inbox.Unassign(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"))
	h.changed(w, r, err)
}

func (h *handler) closeConversation(w http.ResponseWriter, r *http.Request) {
	_, err := h.s.Inbox.Close(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"))
	h.changed(w, r, err)
}

// snoozeConversation hides a conversation until a chosen time; the
// housekeeping loop reopens it then, or the contact's next message does.
func (h *handler) snoozeConversation(w http.ResponseWriter, r *http.Request) {
	d, ok := templates.SnoozeFor(r.FormValue("for"))
	if !ok {
		h.fail(w, r, problem.Field("for", "choose how long to snooze"))
		return
	}
	until := time.Now().Add(d)
	_, err := h.s.Inbox.SetStatus(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"), inbox.Snoozed, &until)
	h.changed(w, r, err)
}

func (h *handler) reopenConversation(w http.ResponseWriter, r *http.Request) {
	_, err := h.s.Inbox.Reopen(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"))
	h.changed(w, r, err)
}

// changed answers a conversation action with its new header, and tells the
// list to refresh at once rather than wait for the event stream.
func (h *handler) changed(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hd, err := h.header(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("HX-Trigger", "convs-changed")
	if !isHTMX(r) {
		http.Redirect(w, r, "/conversations/"+hd.Conv.ID, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, templates.ConversationHeader(hd))
}
