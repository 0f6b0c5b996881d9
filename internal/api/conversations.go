package api

import (
	"context"
	"encoding/json"
	"net/http"

	"charla/internal/auth"
	"charla/internal/httpx"
	"charla/internal/inbox"
	"charla/internal/problem"
)

func (a *server) listConversations(w http.ResponseWriter, r *http.Request) {
	f, err := conversationFilter(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.s.Inbox.List(r.Context(), user(r), f)
	if err != nil {
		a.error(w, r, cursorErr(err))
		return
	}
	httpx.JSON(w, http.StatusOK, listOf(p.Conversations, inboxCursor(p.Next), conversationOut))
}

// conversationFilter reads the list's query. Malformed values are 400s here
// rather than filters that quietly match nothing.
func conversationFilter(r *http.Request) (inbox.Filter, error) {
	var f inbox.Filter
	var err error
	if f.Cursor, f.Limit, err = page(r); err != nil {
		return f, err
	}
	switch f.Status = r.URL.Query().Get("status"); f.Status {
	case "", inbox.Open, inbox.Pending, inbox.Snoozed, inbox.Closed, "all":
	default:
		return f, badRequest("status", "must be open, pending, snoozed, closed or all")
	}
	switch f.Assignee = r.URL.Query().Get("assignee"); {
	case f.Assignee == "", f.Assignee == "me", f.Assignee == "unassigned", isID(f.Assignee):
	default:
		return f, badRequest("assignee", "must be me, unassigned or a user id")
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"team_id", &f.TeamID}, {"channel_id", &f.ChannelID}, {"contact_id", &f.ContactID}} {
		if *p.dst, err = idQuery(r, p.name); err != nil {
			return f, err
		}
	}
	f.Q, err = search(r, "q")
	return f, err
}

func (a *server) getConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "conversation_id", "conversation")
	if err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Inbox.Get(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, conversationOut(c))
}

// assignRequest keeps the fields raw to tell absent (unchanged) from null (cleared).
type assignRequest struct {
	AssigneeID json.RawMessage `json:"assignee_id"`
	TeamID     json.RawMessage `json:"team_id"`
}

// opt reads one nullable id field into the inbox's optional change.
func opt(f problem.Fields, name string, raw json.RawMessage) inbox.Opt {
	switch {
	case raw == nil:
		return inbox.Opt{}
	case string(raw) == "null":
		return inbox.Opt{Set: true}
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil || !isID(id) {
		// An empty string would clear the field in the inbox; only null may.
		f.Add(name, "must be an id or null")
	}
	return inbox.Opt{Set: true, Value: id}
}

func (a *server) assignConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "conversation_id", "conversation")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req assignRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	assignee, team := opt(f, "assignee_id", req.AssigneeID), opt(f, "team_id", req.TeamID)
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Inbox.Assign(r.Context(), user(r), id, assignee, team)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, conversationOut(c))
}

func (a *server) unassignConversation(w http.ResponseWriter, r *http.Request) {
	a.changeConversation(w, r, a.s.Inbox.Unassign)
}

func (a *server) closeConversation(w http.ResponseWriter, r *http.Request) {
	a.changeConversation(w, r, a.s.Inbox.Close)
}

func (a *server) reopenConversation(w http.ResponseWriter, r *http.Request) {
	a.changeConversation(w, r, a.s.Inbox.Reopen)
}

// changeConversation runs a bodiless state change and answers with the result.
func (a *server) changeConversation(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, actor auth.User, id string) (inbox.Conversation, error)) {
	id, err := pathID(r, "conversation_id", "conversation")
	if err != nil {
		a.error(w, r, err)
		return
	}
	c, err := change(r.Context(), user(r), id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, conversationOut(c))
}
