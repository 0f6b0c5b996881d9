package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/web/templates"
)

// threadPage is how many messages a conversation opens with and each "load older" adds.
const threadPage = 30

// filterFrom reads the list's selection from the query, defaulting to all open conversations.
func filterFrom(r *http.Request) templates.Filter {
	q := r.URL.Query()
	f := templates.Filter{Tab: q.Get("tab"), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q"))}
	switch f.Tab {
	case "mine", "unassigned", "all":
	default:
		f.Tab = "all"
	}
	switch f.Status {
	case inbox.Open, inbox.Pending, inbox.Snoozed, inbox.Closed:
	default:
		f.Status = inbox.Open
	}
	if utf8.RuneCountInString(f.Q) > 200 {
		f.Q = string([]rune(f.Q)[:200])
	}
	return f
}

func (h *handler) list(ctx context.Context, u auth.User, f templates.Filter, cursor string, limit int) (templates.List, error) {
	assignee := "" // all
	switch f.Tab {
	case "mine":
		assignee = "me"
	case "unassigned":
		assignee = "unassigned"
	}
	page, err := h.s.Inbox.List(ctx, u, inbox.Filter{Status: f.Status, Assignee: assignee, Q: f.Q, Cursor: cursor, Limit: limit})
	if err != nil {
		return templates.List{}, err
	}
	return templates.List{Filter: f, Conversations: page.Conversations, Next: page.Next, Cursor: cursor}, nil
}

// inboxPage is "/": the list, and no conversation open.
func (h *handler) inboxPage(w http.ResponseWriter, r *http.Request) {
	h.inbox(w, r, nil)
}

// inbox renders the three-pane page, or just the list when htmx asks for it.
func (h *handler) inbox(w http.ResponseWriter, r *http.Request, pane *templates.Pane) {
	u := currentUser(r.Context())
	l, err := h.list(r.Context(), u, filterFrom(r), "", 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if pane != nil {
		l.Active = pane.Header.Conv.ID
	}
	if hxTarget(r) == "conv-list" {
		h.render(w, r, http.StatusOK, templates.ConversationRows(l))
		return
	}
	h.render(w, r, http.StatusOK, templates.InboxPage(templates.Inbox{
		Layout: h.layout(r, "Inbox", "inbox"), List: l, Pane: pane,
	}))
}

// conversationRows is the list fragment: a refresh, a search, or the page after a cursor.
func (h *handler) conversationRows(w http.ResponseWriter, r *http.Request) {
	f := filterFrom(r)
	if !isHTMX(r) {
		http.Redirect(w, r, "/?"+f.Query(), http.StatusSeeOther)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	l, err := h.list(r.Context(), currentUser(r.Context()), f, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.ConversationRows(l))
}

// conversationPage opens a conversation, which marks it read. htmx row clicks
// get only the conversation pane; a direct visit gets the whole inbox.
func (h *handler) conversationPage(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	id := chi.URLParam(r, "id")
	if err := h.s.Inbox.MarkRead(r.Context(), u, id); err != nil {
		h.fail(w, r, err)
		return
	}
	pane, err := h.pane(r.Context(), u, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if hxTarget(r) == "conv-pane" {
		h.render(w, r, http.StatusOK, templates.ConversationPane(pane))
		return
	}
	h.inbox(w, r, &pane)
}

func (h *handler) pane(ctx context.Context, u auth.User, id string) (templates.Pane, error) {
	ws := u.WorkspaceID
	hd, err := h.header(ctx, u, id)
	if err != nil {
		return templates.Pane{}, err
	}
	page, err := h.s.Inbox.Messages(ctx, ws, id, "", threadPage)
	if err != nil {
		return templates.Pane{}, err
	}
	msgs := oldestFirst(page.Messages)
	since := ""
	if len(msgs) > 0 {
		since = msgs[0].ID
	}
	contact, err := h.contactView(ctx, ws, hd.Conv.Contact.ID)
	if err != nil {
		return templates.Pane{}, err
	}
	return templates.Pane{
		Header: hd,
		Thread: templates.Thread{ConvID: id, Messages: msgs, Older: page.Next, Since: since,
			Contact: templates.ContactName(hd.Conv.Contact), Actions: actions(hd.Conv)},
		Composer: h.composer(ctx, hd.Conv, "reply"),
		Contact:  contact,
	}, nil
}

// header loads a conversation with the agents and teams it can be assigned to.
func (h *handler) header(ctx context.Context, u auth.User, id string) (templates.Header, error) {
	conv, err := h.s.Inbox.Get(ctx, u.WorkspaceID, id)
	if err != nil {
		return templates.Header{}, err
	}
	users, err := h.s.Auth.ListUsers(ctx, u.WorkspaceID)
	if err != nil {
		return templates.Header{}, err
	}
	teams, err := h.s.Auth.ListTeams(ctx, u.WorkspaceID)
	if err != nil {
		return templates.Header{}, err
	}
	subscribed, err := h.s.Contacts.IsSubscribed(ctx, u.WorkspaceID, conv.Contact.ID)
	if err != nil {
		return templates.Header{}, err
	}
	return templates.Header{Conv: conv, Users: users, Teams: teams, OptedOut: !subscribed}, nil
}

func (h *handler) conversationHeader(w http.ResponseWriter, r *http.Request) {
	hd, err := h.header(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.ConversationHeader(hd))
}

// composer is the composer for c with tab kind selected, falling back to
// what the reply window allows: a template, else a note, once it has closed.
func (h *handler) composer(ctx context.Context, c inbox.Conversation, kind string) templates.Composer {
	max := h.s.MaxUpload()
	if c.Capabilities.MaxAttachmentBytes > 0 && c.Capabilities.MaxAttachmentBytes < max {
		max = c.Capabilities.MaxAttachmentBytes
	}
	v := templates.Composer{ConvID: c.ID, Kind: kind, Attachments: c.Capabilities.Attachments,
		MaxBytes: max, MaxMB: megabytes(max), Templates: sends(c, content.KindTemplate), Window: window(c)}
	switch kind {
	case "note":
	case "template":
		if !v.Templates {
			v.Kind = "reply"
		}
	default:
		v.Kind = "reply"
	}
	if v.Kind == "reply" && v.Window.Closed {
		v.Kind = "note"
		if v.Templates {
			v.Kind = "template"
		}
	}
	if v.Templates && v.Window.Closed {
		// A failure only hides the warning; the send itself still works.
		v.LimitWarning, _ = h.s.Inbox.LimitWarning(ctx, c)
	}
	if v.Templates {
		v.TemplateOptions = h.templateOptions(ctx, c)
		if currentUser(ctx).CanManage() {
			v.ManageTemplates = "/settings/channels/" + c.ChannelID + "/templates"
		}
	}
	return v
}

// window reads the conversation's reply window.
func window(c inbox.Conversation) templates.Window {
	w := templates.Window{Length: c.Capabilities.ReplyWindow}
	if w.Length == 0 {
		return w
	}
	w.ClosesAt = c.WindowClosesAt()
	w.Closed = w.ClosesAt == nil || !time.Now().Before(*w.ClosesAt)
	return w
}

// sends tells whether c's channel delivers messages of kind.
func sends(c inbox.Conversation, kind string) bool {
	return slices.Contains(c.Capabilities.Kinds, kind)
}

// actions are what bubbles of c offer besides replying.
func actions(c inbox.Conversation) templates.Actions {
	return templates.Actions{React: sends(c, content.KindReaction)}
}

// oldestFirst reverses a newest-first page for display.
func oldestFirst(ms []inbox.Message) []inbox.Message {
	out := slices.Clone(ms)
	slices.Reverse(out)
	return out
}

// megabytes rounds a byte limit to the whole megabytes people are told.
func megabytes(n int64) int64 { return max(n>>20, 1) }
