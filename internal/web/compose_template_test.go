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
	"charla/internal/store"
	"charla/internal/store/storetest"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// shippingUpdate has a variable in each place a send fills one.
var shippingUpdate = emulator.Template{Name: "shipping_update", Language: "en_US", Category: "UTILITY",
	Components: json.RawMessage(`[{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},
		{"type":"BODY","text":"Hi {{1}}, your {{2}} order ships today. Questions? Ask {{3}}."},
		{"type":"FOOTER","text":"Shop Inc."},
		{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"},{"type":"URL","text":"Track","url":"https://shop.example/t/{{1}}"}]}]`)}

func TestComposerSendsTemplateWithDynamicValues(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, func(c *emulator.Config) {
			c.Templates = []emulator.Template{shippingUpdate, {Name: "under_review", Language: "en_US", Category: "MARKETING", Status: "PENDING",
				Components: json.RawMessage(`[{"type":"BODY","text":"Soon"}]`)}}
		})
		ctx := context.Background()
		f.syncTemplates()
		tpl, pending := f.template("shipping_update", "en_US"), f.template("under_review", "en_US")

		// A contact whose window closed a day ago, with a custom attribute.
		got := f.wrote("5511933330000", "thanks", 30*time.Hour)
		conv := "/conversations/" + got.ConversationID
		cv, err := f.e.s.Inbox.Get(ctx, f.owner.WorkspaceID, got.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		name := "Vera Lucia"
		if _, err := f.e.s.Contacts.Update(ctx, f.owner.WorkspaceID, cv.Contact.ID, contacts.Input{Name: &name,
			Attributes: map[string]any{"plan": "gold <vip>"}}); err != nil {
			t.Fatal(err)
		}

		// Only approved templates are offered.
		p := f.b.get(conv)
		if !p.has(`<option value="`+tpl.ID+`"`) || p.has(`<option value="`+pending.ID+`"`) || !p.has(`data-testid="template-select"`) {
			t.Fatalf("template choice:\n%s", p.body)
		}

		// Choosing one brings an input per variable, the contact's dynamic values and a preview.
		p = f.b.htmx(http.MethodGet, conv+"/template-fields?template_id="+tpl.ID, "tpl-vars", nil)
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{`name="tpl_header"`, `name="tpl_body_1"`, `name="tpl_body_2"`, `name="tpl_body_3"`,
			`name="tpl_button_1"`, `Link of “Track”: the end of https://shop.example/t/{{1}}`, `<option value="{{contact.first_name}}">First name: Vera</option>`,
			`<option value="{{contact.plan}}">plan: gold &lt;vip&gt;</option>`, `<option value="{{agent.name}}">Your name: ` + f.owner.Name + `</option>`,
			`data-testid="template-preview-body">Hi {{1}}, your {{2}} order ships today. Questions? Ask {{3}}.<`} {
			if !p.has(want) {
				t.Errorf("template fields lack %q", want)
			}
		}
		// The preview fills in what is known as it is typed.
		q := url.Values{"template_id": {tpl.ID}, templates.VarBody(1): {"{{contact.first_name}}"}, templates.VarBody(2): {"{{contact.plan}}"},
			templates.VarHeader: {"#42"}}
		p = f.b.htmx(http.MethodGet, conv+"/template-preview?"+q.Encode(), "tpl-preview", nil)
		if !p.has(`data-testid="template-preview-header">Order #42<`) ||
			!p.has(`data-testid="template-preview-body">Hi Vera, your gold &lt;vip&gt; order ships today. Questions? Ask {{3}}.<`) {
			t.Fatalf("preview:\n%s", p.body)
		}

		send := url.Values{"kind": {"template"}, "template_id": {tpl.ID}, templates.VarHeader: {"#42"},
			templates.VarBody(1): {"{{contact.first_name}}"}, templates.VarBody(2): {"{{contact.plan}}"},
			templates.VarBody(3): {"{{contact.email}}"}, templates.VarButton(1): {"42"}}
		// A dynamic value the contact lacks is named.
		p = f.post(conv+"/messages", send)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has("Body {{3}} uses contact.email, which this contact doesn&#39;t have") {
			t.Fatalf("missing dynamic value: %s", p.body)
		}
		// An unapproved template is refused, and nothing is queued.
		p = f.post(conv+"/messages", url.Values{"kind": {"template"}, "template_id": {pending.ID}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has("still pending review") {
			t.Fatalf("pending template: %s", p.body)
		}
		// A template of another channel isn't this conversation's to send.
		if p := f.post(conv+"/messages", url.Values{"kind": {"template"}, "template_id": {"00000000-0000-7000-8000-000000000000"}}); !p.has("not a template of this conversation") {
			t.Fatalf("unknown template: %s", p.body)
		}
		if n := len(f.e.messages(f.owner.WorkspaceID, got.ConversationID)); n != 1 {
			t.Fatalf("refused sends left %d messages", n)
		}

		send.Set(templates.VarBody(3), "{{agent.name}}")
		p = f.post(conv+"/messages", send)
		wantStatus(t, p, http.StatusOK)
		m := f.e.messages(f.owner.WorkspaceID, got.ConversationID)[0]
		if m.Kind != content.KindTemplate || m.Status != inbox.Queued && m.Status != inbox.Sending && m.Status != inbox.Sent ||
			m.Content.Template.Rendered != "Order #42\nHi Vera, your gold <vip> order ships today. Questions? Ask "+f.owner.Name+".\nShop Inc." {
			t.Fatalf("queued message: %s %s %+v", m.Kind, m.Status, m.Content.Template)
		}
		m = f.settled(m.ID)
		sent := f.emu.sentTo("5511933330000")
		if m.Status != inbox.Sent || len(sent) != 1 {
			t.Fatalf("sent: %s %+v %v", m.Status, m.Error, sent)
		}
		wire, _ := json.Marshal(sent[0]["template"])
		for _, want := range []string{`{"parameters":[{"text":"#42","type":"text"}],"type":"header"}`,
			`{"text":"Vera","type":"text"},{"text":"gold \u003cvip\u003e","type":"text"},{"text":"` + f.owner.Name + `","type":"text"}`,
			`"index":"1","parameters":[{"text":"42","type":"text"}],"sub_type":"url","type":"button"`} {
			if !strings.Contains(string(wire), want) {
				t.Errorf("sent %s, lacks %s", wire, want)
			}
		}
	})
}

func TestTemplateMissingAtProviderOffersSync(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, func(c *emulator.Config) { c.Templates = []emulator.Template{shippingUpdate} })
		f.syncTemplates()
		tpl := f.template("shipping_update", "en_US")
		// The template is deleted in WhatsApp Manager; charla hasn't heard.
		f.emu.deleteTemplate(t, "shipping_update")
		got := f.wrote("5511944440000", "hello", 30*time.Hour)
		conv := "/conversations/" + got.ConversationID
		agent := f.agent()
		p := agent.htmx(http.MethodPost, conv+"/messages", "composer-box", url.Values{"kind": {"template"}, "template_id": {tpl.ID},
			templates.VarHeader: {"1"}, templates.VarBody(1): {"a"}, templates.VarBody(2): {"b"}, templates.VarBody(3): {"c"}, templates.VarButton(1): {"d"}})
		wantStatus(t, p, http.StatusOK)
		m := f.settled(f.e.messages(f.owner.WorkspaceID, got.ConversationID)[0].ID)
		if m.Status != inbox.Failed || m.Error == nil || m.Error.Code != "132001" {
			t.Fatalf("send of a template WhatsApp doesn't have: %s %+v", m.Status, m.Error)
		}
		p = agent.get(conv)
		if !p.has(`data-testid="message-sync-templates"`) || !p.has(`hx-post="`+conv+`/templates/sync"`) ||
			!p.has("The template does not exist in that language or is not approved yet.") {
			t.Fatalf("the failed bubble offers a sync:\n%s", p.body)
		}
		// An agent may sync from there; the list then has WhatsApp's status.
		p = agent.htmx(http.MethodPost, conv+"/templates/sync", "toast", nil)
		wantStatus(t, p, http.StatusOK)
		if !p.has("Templates synced: 0 new, 0 changed, 1 no longer at WhatsApp") || p.Header.Get("HX-Retarget") != "#toast" {
			t.Fatalf("sync from the bubble: %v %s", p.Header, p.body)
		}
		if f.template("shipping_update", "en_US").Status != msgtpl.StatusDeleted {
			t.Fatal("the sync did not bring WhatsApp's status")
		}
		// Other template errors carry their plain reason.
		var b strings.Builder
		failed := inbox.Message{ID: "m1", ConversationID: got.ConversationID, Direction: inbox.Outgoing, Status: inbox.Failed,
			Kind: content.KindTemplate, Error: &inbox.SendError{Code: "132015", Title: "Template is Paused"}}
		if err := templates.Messages([]inbox.Message{failed}, "Vera", templates.Actions{}).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "The template is paused because of low quality") || strings.Contains(b.String(), "message-sync-templates") {
			t.Fatalf("a paused template's failure:\n%s", b.String())
		}
	})
}

func TestAgentsCannotManageChannelPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, nil)
		agent := f.agent()
		base := "/settings/channels/" + f.wa.ID
		for _, path := range []string{"/templates", "/templates/new", "/profile", "/qr", "/qr.png?size=256"} {
			p := agent.get(base + path)
			wantStatus(t, p, http.StatusForbidden)
		}
		for _, path := range []string{"/templates", "/templates/sync", "/profile", "/profile/sync", "/profile/photo"} {
			wantStatus(t, agent.post(base+path, url.Values{"name": {"x"}}), http.StatusForbidden)
		}
		if n := len(f.emu.Templates()); n != 1 {
			t.Fatalf("an agent's post reached the provider: %d templates", n)
		}
		// Agents still send templates: the composer offers the approved ones,
		// without the admin link.
		f.syncTemplates()
		got := f.wrote("5511955550000", "hi", 30*time.Hour)
		p := agent.get("/conversations/" + got.ConversationID)
		if !p.has(`data-testid="template-select"`) || p.has(`data-testid="template-manage"`) {
			t.Fatalf("agent's composer:\n%s", p.body)
		}
	})
}
