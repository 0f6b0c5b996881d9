package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/metaspec"
	"charla/internal/store"
	"charla/internal/store/storetest"
	"charla/internal/web/templates"
)

// wrote has a contact on the WhatsApp channel write, ago before now.
func (f waFixture) wrote(phone, text string, ago time.Duration) inbox.Received {
	f.e.t.Helper()
	return f.e.inbound(f.wa, inbox.Inbound{From: contacts.Who{ExternalID: phone, Phone: "+" + phone},
		ProviderMessageID: "wamid." + phone + "." + text, Body: text, At: time.Now().Add(-ago)})
}

// settled waits until the send pipeline is done with an outgoing message
// and returns it.
func (f waFixture) settled(id string) inbox.Message {
	f.e.t.Helper()
	var m inbox.Message
	f.e.eventually("message "+id+" to leave the queue", func() bool {
		m = f.e.message(f.owner.WorkspaceID, id)
		return m.Status != inbox.Queued && m.Status != inbox.Sending
	})
	return m
}

// post sends a form as htmx does (no files), to see the composer's answer.
func (f waFixture) post(path string, form url.Values) page {
	f.e.t.Helper()
	return f.b.htmx(http.MethodPost, path, "composer-box", form)
}

func TestReplyWindowSwitchesToTemplates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, func(c *emulator.Config) {
			c.Templates = []emulator.Template{{Name: "order_update", Language: "en_US", Category: "UTILITY",
				Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, order {{2}} has shipped."}]`)}}
		})
		ctx := context.Background()

		// Within the window: the countdown, and a normal reply.
		open := f.wrote("5511911110000", "hello", 20*time.Hour)
		p := f.b.get("/conversations/" + open.ConversationID)
		for _, want := range []string{`data-testid="window-countdown"`, "Window closes in 3 h 59 min", `data-state="open"`,
			`data-testid="composer-reply-tab"`, `data-testid="composer-template-tab"`, `data-kind="reply"`,
			`hx-get="/conversations/` + open.ConversationID + `/composer?window=open"`} {
			if !p.has(want) && !(strings.HasPrefix(want, "Window closes") && p.has("Window closes in 4 h 0 min")) {
				t.Errorf("open window: page lacks %q", want)
			}
		}

		// Past the window: the template form, with why, offering the
		// channel's approved templates once they are synced.
		if _, err := f.e.s.Templates.Sync(ctx, f.owner.WorkspaceID, f.wa.ID); err != nil {
			t.Fatal(err)
		}
		tpl := f.template("order_update", "en_US")
		closed := f.wrote("5511922220000", "are you there?", 25*time.Hour)
		path := "/conversations/" + closed.ConversationID
		p = f.b.get(path)
		for _, want := range []string{`data-testid="window-closed-note"`, "24 hours", `data-testid="composer-template"`,
			`data-kind="template"`, `data-state="closed"`, `name="template_id"`, `<option value="` + tpl.ID + `"`} {
			if !p.has(want) {
				t.Errorf("closed window: page lacks %q", want)
			}
		}
		if p.has(`data-testid="composer-reply-tab"`) {
			t.Error("a closed window offers no free-form reply")
		}

		// A free-form reply is refused where the composer shows errors.
		p = f.post(path+"/messages", url.Values{"kind": {"reply"}, "body": {"hi again"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.Header.Get("HX-Retarget") != "#composer-error" || !p.has("window closed") {
			t.Fatalf("free-form after the window: %v\n%s", p.Header, p.body)
		}
		// The template form says what is missing.
		p = f.post(path+"/messages", url.Values{"kind": {"template"}, templates.VarBody(1): {"Vera"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.Header.Get("HX-Retarget") != "#composer-error" || !p.has("Template is required") {
			t.Fatalf("no template chosen: %s", p.body)
		}
		p = f.post(path+"/messages", url.Values{"kind": {"template"}, "template_id": {tpl.ID}, templates.VarBody(1): {"Vera"}})
		if p.StatusCode != http.StatusUnprocessableEntity || !p.has("Body {{2}} is required") {
			t.Fatalf("a value left out: %d %s", p.StatusCode, p.body)
		}

		p = f.post(path+"/messages", url.Values{"kind": {"template"}, "template_id": {tpl.ID}, templates.VarBody(1): {"Vera"}, templates.VarBody(2): {"#123"}})
		wantStatus(t, p, http.StatusOK)
		if p.Header.Get("HX-Trigger") != "thread-refresh" || !p.has(`id="composer-box"`) || !p.has(`data-kind="template"`) {
			t.Fatalf("a sent template comes back as an empty template form: %v\n%s", p.Header, p.body)
		}
		m := f.e.messages(f.owner.WorkspaceID, closed.ConversationID)[0]
		c := m.Content
		if m.Kind != content.KindTemplate || c == nil || c.Template == nil || c.Template.Name != "order_update" || c.Template.Language != "en_US" ||
			string(c.Template.Components) != `[{"type":"body","parameters":[{"type":"text","text":"Vera"},{"type":"text","text":"#123"}]}]` ||
			c.Template.Rendered != "Hi Vera, order #123 has shipped." {
			t.Fatalf("stored template: %s %+v", m.Kind, c)
		}
		// WhatsApp accepts the approved template, parameters in order, and
		// the bubble keeps its id.
		m = f.settled(m.ID)
		sent := f.emu.sentTo("5511922220000")
		if m.Status != inbox.Sent || len(sent) != 1 || sent[0]["type"] != "template" || m.ProviderMessageID != sent[0]["id"] {
			t.Fatalf("the template at the provider: %s %+v, %v", m.Status, m.Error, sent)
		}
		wire, _ := json.Marshal(sent[0]["template"])
		for _, want := range []string{`"name":"order_update"`, `"code":"en_US"`,
			`"parameters":[{"text":"Vera","type":"text"},{"text":"#123","type":"text"}]`} {
			if !strings.Contains(string(wire), want) {
				t.Errorf("template sent as %s, lacks %s", wire, want)
			}
		}
		// Starting a conversation counts against the number's messaging limit.
		if n, err := f.e.s.Inbox.InitiatedUsage(ctx, f.wa.ID); err != nil || n != 1 {
			t.Fatalf("initiated usage %d, %v", n, err)
		}

		// The composer re-reads itself on conversation events: while the
		// window is still closed, only its line is swapped (typed text stays)…
		p = f.b.htmx(http.MethodGet, path+"/composer?window=closed", "composer-box", nil)
		wantStatus(t, p, http.StatusOK)
		if p.Header.Get("HX-Retarget") != "#window-line" || p.has(`id="composer"`) || !p.has(`id="window-line"`) {
			t.Fatalf("unchanged window: %v\n%s", p.Header, p.body)
		}
		// …and once the contact writes, the reply form is back.
		f.wrote("5511922220000", "yes!", 0)
		p = f.b.htmx(http.MethodGet, path+"/composer?window=closed", "composer-box", nil)
		if p.Header.Get("HX-Retarget") != "" || !p.has(`data-testid="composer-reply-tab"`) || !p.has(`data-state="open"`) {
			t.Fatalf("reopened window: %v\n%s", p.Header, p.body)
		}
	})
}

func TestWebsiteComposerHasNoWindow(t *testing.T) {
	t.Parallel()
	f := newInbox(t, storetest.Open(t, store.SQLite))
	p := f.b.get("/conversations/" + f.conv.ConversationID)
	if p.has(`data-testid="window-line"`) || p.has("/composer?window=") || p.has(`composer-template-tab`) || p.has(`data-testid="message-react"`) {
		t.Fatalf("web chat has no window, templates or reactions:\n%s", p.body)
	}
	if !p.has(`data-testid="message-reply"`) || !p.has(`data-testid="composer-quote"`) {
		t.Errorf("quoting works on every channel")
	}
}

func TestQuoteAndReact(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, nil)
		ctx := context.Background()
		// The contact writes through WhatsApp, which opens its window there too.
		first := f.customerSends("5511933330000", "Vera", "Where is my order?")
		other := f.wrote("5511944440000", "another thread", time.Hour)
		conv := "/conversations/" + first.ConversationID

		// "Reply" fills the quote slot with the message and its id.
		p := f.b.htmx(http.MethodGet, conv+"/quote?message_id="+first.ID, "composer-quote", nil)
		wantStatus(t, p, http.StatusOK)
		if !p.has(`name="reply_to_id" value="`+first.ID+`"`) || !p.has("Where is my order?") || !p.has("data-dismiss-quote") {
			t.Fatalf("quote preview:\n%s", p.body)
		}
		wantStatus(t, f.b.htmx(http.MethodGet, conv+"/quote?message_id="+other.MessageID, "composer-quote", nil), http.StatusNotFound)

		p = f.post(conv+"/messages", url.Values{"kind": {"reply"}, "body": {"On its way!"}, "reply_to_id": {first.ID}})
		wantStatus(t, p, http.StatusOK)
		reply := f.e.messages(f.owner.WorkspaceID, first.ConversationID)[0]
		if reply.ReplyTo == nil || reply.ReplyTo.ID != first.ID {
			t.Fatalf("reply stored without its quote: %+v", reply)
		}
		p = f.post(conv+"/messages", url.Values{"kind": {"reply"}, "body": {"x"}, "reply_to_id": {other.MessageID}})
		if p.StatusCode != http.StatusUnprocessableEntity || p.Header.Get("HX-Retarget") != "#composer-error" || !p.has("Quoted message must be a message of this conversation") {
			t.Fatalf("quoting another thread: %d %v %s", p.StatusCode, p.Header, p.body)
		}

		// A reaction from the picker is a message that shows as a badge.
		p = f.b.htmx(http.MethodPost, conv+"/reactions", "", url.Values{"emoji": {"🙏"}, "target_id": {first.ID}})
		wantStatus(t, p, http.StatusNoContent)
		if p.Header.Get("HX-Trigger") != "thread-refresh" {
			t.Errorf("a reaction should refresh the thread: %v", p.Header)
		}
		r := f.e.messages(f.owner.WorkspaceID, first.ConversationID)[0]
		if r.Kind != content.KindReaction || r.Content == nil || r.Content.Reaction == nil ||
			r.Content.Reaction.Emoji != "🙏" || r.Content.Reaction.TargetID != first.ID {
			t.Fatalf("reaction stored as %+v", r)
		}
		tail := f.b.htmx(http.MethodGet, conv+"/tail", "tail", nil)
		a := article(t, tail.body, first.ID)
		if !strings.Contains(a, `data-testid="reaction-badge"`) || !strings.Contains(a, "🙏") {
			t.Fatalf("the reaction should be a badge on the message:\n%s", a)
		}
		if !strings.Contains(article(t, tail.body, reply.ID), `data-quote-id="`+first.ID+`"`) {
			t.Errorf("the reply should show its quote")
		}
		for _, form := range []url.Values{
			{"emoji": {"🦄"}, "target_id": {first.ID}},
			{"emoji": {"👍"}, "target_id": {other.MessageID}},
			{"emoji": {"👍"}, "target_id": {"nope"}},
		} {
			p := f.b.htmx(http.MethodPost, conv+"/reactions", "", form)
			if p.StatusCode != http.StatusUnprocessableEntity || p.Header.Get("HX-Retarget") != "#composer-error" {
				t.Errorf("reaction %v: %d %v", form, p.StatusCode, p.Header)
			}
		}

		// Both reached WhatsApp, pointing at the contact's message by its WhatsApp id.
		for _, id := range []string{reply.ID, r.ID} {
			if m := f.settled(id); m.Status != inbox.Sent || m.ProviderMessageID == "" {
				t.Fatalf("message %s: %s %+v", id, m.Status, m.Error)
			}
		}
		var quoted, reacted bool
		for _, m := range f.emu.sentTo("5511933330000") {
			switch m["type"] {
			case "text":
				quoted = metaspec.Dig(m, "text", "body") == "On its way!" && metaspec.Dig(m, "context", "message_id") == first.ProviderMessageID
			case "reaction":
				reacted = metaspec.Dig(m, "reaction", "emoji") == "🙏" && metaspec.Dig(m, "reaction", "message_id") == first.ProviderMessageID
			}
		}
		if !quoted || !reacted || f.emu.SentTo("5511933330000") != 2 {
			t.Fatalf("the provider got %v", f.emu.sentTo("5511933330000"))
		}
		// The contact's phone reports them delivered and read: the ticks follow.
		if err := f.emu.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if m := f.e.message(f.owner.WorkspaceID, reply.ID); m.Status != inbox.Read {
			t.Fatalf("reply after the read receipt: %s", m.Status)
		}
		tail = f.b.htmx(http.MethodGet, conv+"/tail", "tail", nil)
		if a := article(t, tail.body, reply.ID); !strings.Contains(a, "ticks ticks-read") {
			t.Errorf("the reply should show read ticks:\n%s", a)
		}
	})
}

func TestWindowHelpers(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		5*time.Hour + 12*time.Minute + 30*time.Second: "5 h 12 min",
		23*time.Hour + 59*time.Minute:                 "23 h 59 min",
		12 * time.Minute:                              "12 min",
		20 * time.Second:                              "less than a minute",
		-time.Minute:                                  "0 min",
	} {
		if got := templates.TimeLeft(d); got != want {
			t.Errorf("TimeLeft(%v) = %q, want %q", d, got, want)
		}
	}
}
