package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
	"charla/internal/web/templates"
)

func TestAssignCloseReopen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		ctx := context.Background()
		team, err := f.e.s.Auth.CreateTeam(ctx, f.owner, "Billing")
		if err != nil {
			t.Fatal(err)
		}
		path := "/conversations/" + f.conv.ConversationID

		p := f.b.htmx(http.MethodPost, path+"/assign", "conv-header", url.Values{"assignee_id": {f.owner.ID}})
		wantStatus(t, p, http.StatusOK)
		if p.Header.Get("HX-Trigger") != "convs-changed" || !p.has(`data-testid="conv-unassign"`) {
			t.Fatalf("assign answer: %v\n%s", p.Header, p.body)
		}
		// Each select posts only its field: setting the team keeps the agent.
		wantStatus(t, f.b.htmx(http.MethodPost, path+"/assign", "conv-header", url.Values{"team_id": {team.ID}}), http.StatusOK)
		c, _ := f.e.s.Inbox.Get(ctx, f.owner.WorkspaceID, f.conv.ConversationID)
		if c.AssigneeID == nil || *c.AssigneeID != f.owner.ID || c.TeamID == nil || *c.TeamID != team.ID {
			t.Fatalf("assignment: %+v", c)
		}
		if p := f.b.get("/?tab=mine"); !p.has(`data-id="` + f.conv.ConversationID + `"`) {
			t.Errorf("the mine tab should list the conversation now")
		}

		p = f.b.htmx(http.MethodPost, path+"/assign", "conv-header", url.Values{"assignee_id": {"not-a-user"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.Header.Get("HX-Retarget") != "#toast" || !p.has("No such agent in this workspace.") {
			t.Fatalf("bad assignee: %v\n%s", p.Header, p.body)
		}

		wantStatus(t, f.b.htmx(http.MethodPost, path+"/unassign", "conv-header", nil), http.StatusOK)
		p = f.b.htmx(http.MethodPost, path+"/close", "conv-header", nil)
		wantStatus(t, p, http.StatusOK)
		if !p.has(`data-testid="conv-reopen"`) || !p.has(`data-status="closed"`) {
			t.Fatalf("closed header:\n%s", p.body)
		}
		if p := f.b.get("/"); p.has(`data-id="` + f.conv.ConversationID + `"`) {
			t.Errorf("a closed conversation is listed under open")
		}
		if p := f.b.get("/?status=closed"); !p.has(`data-id="` + f.conv.ConversationID + `"`) {
			t.Errorf("a closed conversation is missing under closed")
		}
		p = f.b.htmx(http.MethodPost, path+"/reopen", "conv-header", nil)
		if !p.has(`data-testid="conv-close"`) {
			t.Fatalf("reopened header:\n%s", p.body)
		}
		c, _ = f.e.s.Inbox.Get(ctx, f.owner.WorkspaceID, f.conv.ConversationID)
		if c.Status != inbox.Open || c.AssigneeID != nil || c.TeamID == nil {
			t.Fatalf("after unassign and reopen: %+v", c)
		}
		if p := f.b.get(path + "/header"); !p.has(`<option value="` + team.ID + `" selected>`) {
			t.Errorf("the team select should show Billing:\n%s", p.body)
		}
	})
}

func TestSnoozeFromHeader(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		ctx := context.Background()
		path := "/conversations/" + f.conv.ConversationID
		p := f.b.htmx(http.MethodPost, path+"/snooze", "conv-header", url.Values{"for": {"forever"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)

		p = f.b.htmx(http.MethodPost, path+"/snooze", "conv-header", url.Values{"for": {"4h"}})
		wantStatus(t, p, http.StatusOK)
		if !p.has(`data-testid="conv-snoozed-until"`) || !p.has(`data-testid="conv-reopen"`) {
			t.Fatalf("snoozed header:\n%s", p.body)
		}
		c, _ := f.e.s.Inbox.Get(ctx, f.owner.WorkspaceID, f.conv.ConversationID)
		if c.Status != inbox.Snoozed || c.SnoozedUntil == nil || c.SnoozedUntil.Before(time.Now().Add(3*time.Hour)) {
			t.Fatalf("after snoozing 4h: %s until %v", c.Status, c.SnoozedUntil)
		}
		if p := f.b.get("/?status=snoozed"); !p.has(`data-id="` + f.conv.ConversationID + `"`) {
			t.Errorf("a snoozed conversation is missing under snoozed")
		}
		if p := f.b.get("/"); p.has(`data-id="` + f.conv.ConversationID + `"`) {
			t.Errorf("a snoozed conversation is listed under open")
		}
	})
}

func TestThreadPagesOlderMessages(t *testing.T) {
	t.Parallel()
	f := newInbox(t, storetest.Open(t, store.SQLite))
	for i := range threadPage + 5 {
		f.e.incoming(f.site, "visitor-1", "", "message "+string(rune('A'+i%26)))
	}
	p := f.b.get("/conversations/" + f.conv.ConversationID)
	if n := strings.Count(p.body, `data-testid="message"`); n != threadPage {
		t.Fatalf("opened with %d messages, want %d", n, threadPage)
	}
	m := olderURL.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no load-older button")
	}
	p = f.b.htmx(http.MethodGet, strings.ReplaceAll(m[1], "&amp;", "&"), "older", nil)
	wantStatus(t, p, http.StatusOK)
	if n := strings.Count(p.body, `data-testid="message"`); n != 6 || p.has("thread-load-older") {
		t.Fatalf("older page has %d messages (want the 6 left) and no further button:\n%s", n, p.body)
	}
	if !p.has("Hello, is anyone there?") {
		t.Errorf("the oldest message should be on the last page")
	}
}

func TestContactPanel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		path := "/contacts/" + f.conv.ContactID

		p := f.b.htmx(http.MethodPost, path, "contact-panel", url.Values{"name": {"Vera Lynn"}, "email": {"not-an-email"}, "phone": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-email"`) || !p.has("is not a valid email address") || !p.has(`value="not-an-email"`) {
			t.Fatalf("field errors should show inline with the typed value:\n%s", p.body)
		}
		p = f.b.htmx(http.MethodPost, path, "contact-panel", url.Values{"name": {"Vera Lynn"}, "email": {"vera@example.com"}, "phone": {"+55 11 98765-4321"}})
		wantStatus(t, p, http.StatusOK)
		if !p.has(`data-testid="contact-saved"`) || p.Header.Get("HX-Trigger") != "contact-changed" || !p.has("Vera Lynn") {
			t.Fatalf("saved panel: %v\n%s", p.Header, p.body)
		}

		p = f.b.htmx(http.MethodPost, path+"/tags", "contact-panel", url.Values{"tag": {"VIP"}})
		if !p.has(`data-tag="vip"`) {
			t.Fatalf("tag not shown:\n%s", p.body)
		}
		p = f.b.htmx(http.MethodPost, path+"/tags", "contact-panel", url.Values{"tag": {"a,b"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-tags"`) {
			t.Errorf("bad tag should say why:\n%s", p.body)
		}
		p = f.b.htmx(http.MethodPost, path+"/tags/remove", "contact-panel", url.Values{"tag": {"vip"}})
		if p.has(`data-tag="vip"`) {
			t.Fatalf("tag not removed")
		}
		if !p.has(`data-testid="contact-identity"`) || !p.has("visitor-1") || !p.has("Acme site") {
			t.Errorf("identities should name the channel:\n%s", p.body)
		}
	})
}

var olderURL = regexp.MustCompile(`hx-get="(/conversations/[^"]+/older\?before=[^"]+)"`)

func TestMessageStatusTicks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		wantStatus(t, f.b.send(f.conv.ConversationID, "reply", "Seen yet?"), http.StatusOK)
		if err := f.e.s.Inbox.MarkSeenByContact(context.Background(), f.owner.WorkspaceID, f.conv.ConversationID); err != nil {
			t.Fatal(err)
		}
		p := f.b.htmx(http.MethodGet, "/conversations/"+f.conv.ConversationID+"/tail", "tail", nil)
		if !p.has(`data-direction="outgoing" data-status="read"`) || !p.has(`ticks ticks-read`) {
			t.Fatalf("read reply should show blue ticks:\n%s", p.body)
		}
	})

	// Queued and failed come from channels that deliver later; render them directly.
	var b strings.Builder
	failed := inbox.Message{ID: "m1", Direction: inbox.Outgoing, Status: inbox.Failed, Body: "hi",
		Error: &inbox.SendError{Code: "131026", Reason: "The number is not on WhatsApp"}}
	queued := inbox.Message{ID: "m2", Direction: inbox.Outgoing, Status: inbox.Queued, Body: "later"}
	if err := templates.Messages([]inbox.Message{failed, queued}, "Vera", templates.Actions{}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{`data-status="failed"`, `data-testid="message-error"`, "Not delivered:</strong> The number is not on WhatsApp",
		`ticks ticks-failed`, `data-status="queued"`, `<svg class="icon"`} {
		if !strings.Contains(html, want) {
			t.Errorf("bubbles lack %q:\n%s", want, html)
		}
	}
}
