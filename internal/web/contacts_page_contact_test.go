package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/contacts"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestContactPageShowsTheContact(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		ana := p.ids["Ana"]
		res := p.b.get("/contacts/" + ana)
		wantStatus(t, res, http.StatusOK)
		for _, want := range []string{`data-testid="contact-page-title">Ana Souza<`, `data-testid="detail-email">ana@example.com<`,
			`data-testid="detail-phone">+5511987654321<`, `data-testid="contact-identity" data-channel="` + p.site.ID + `"`,
			">Acme site<", ">visitor-Ana<", `data-tag="lead"`, `data-tag="vip"`, `data-key="plan">gold<`, `data-key="seats">12<`,
			`href="/conversations/` + p.convs["Ana"] + `"`, "Olá", `data-subscribed="true"`, "Subscribed to broadcasts",
			`data-testid="unsubscribe"`, `class="current" data-testid="nav-contacts"`} {
			if !res.has(want) {
				t.Errorf("contact page lacks %s", want)
			}
		}
		// Every row of the list opens its contact.
		list := p.b.get("/contacts")
		for name, id := range p.ids {
			if !list.has(`href="/contacts/` + id + `" data-testid="contact-link"`) {
				t.Errorf("no link to %s", name)
			}
			wantStatus(t, p.b.get("/contacts/"+id), http.StatusOK)
		}
		wantStatus(t, p.b.get("/contacts/no-such-contact"), http.StatusNotFound)
	})
}

func TestContactOptOutAndResubscribe(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		ctx := context.Background()
		ws := p.owner.WorkspaceID
		dani := p.ids["Dani"]
		path := "/contacts/" + dani

		// Dani wrote STOP through the inbox, which opted them out.
		res := p.b.get(path)
		for _, want := range []string{`data-subscribed="false"`, "Opted out", `data-testid="optout-at"`,
			`data-testid="optout-reason">the contact wrote “STOP”<`, `data-source="keyword">keyword<`, `data-testid="resubscribe"`} {
			if !res.has(want) {
				t.Errorf("opted-out contact page lacks %s:\n%s", want, res.body)
			}
		}
		// The conversation's contact panel shows it, and links the page.
		res = p.b.get("/conversations/" + p.convs["Dani"])
		if !res.has(`data-testid="contact-opted-out"`) || !res.has(`href="/contacts/`+dani+`"`) {
			t.Errorf("contact panel lacks the opt-out:\n%s", res.body)
		}
		if res := p.b.get("/conversations/" + p.convs["Ana"]); res.has(`data-testid="contact-opted-out"`) || !res.has(`data-testid="contact-page-link"`) {
			t.Errorf("a subscribed contact's panel")
		}
		// So does the conversation header, which re-reads on each of the
		// conversation's events: the STOP itself shows it live.
		if res := p.b.get("/conversations/" + p.convs["Dani"] + "/header"); !res.has(`data-testid="conv-opted-out"`) {
			t.Errorf("the header lacks the opt-out:\n%s", res.body)
		}
		if res := p.b.get("/conversations/" + p.convs["Ana"] + "/header"); res.has(`data-testid="conv-opted-out"`) {
			t.Errorf("a subscribed contact's header shows an opt-out")
		}

		// An agent may resubscribe them.
		if _, err := p.e.s.Auth.CreateUser(ctx, p.owner, "andy@acme.test", "Andy", password, auth.Agent); err != nil {
			t.Fatal(err)
		}
		agent := p.e.browser()
		agent.login("andy@acme.test")
		res = agent.htmx(http.MethodPost, path+"/resubscribe", "contact-subscription", url.Values{})
		wantStatus(t, res, http.StatusOK)
		if !res.has(`data-subscribed="true"`) || !res.has(`data-testid="subscription-notice"`) || res.has("<html") {
			t.Fatalf("after resubscribing:\n%s", res.body)
		}
		if ok, err := p.e.s.Contacts.IsSubscribed(ctx, ws, dani); err != nil || !ok {
			t.Fatalf("still opted out: %v", err)
		}

		// Unsubscribing: a reason too long is refused, typed text kept.
		long := strings.Repeat("x", 501)
		res = agent.htmx(http.MethodPost, path+"/unsubscribe", "contact-subscription", url.Values{"reason": {long}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !res.has(`data-testid="error-reason"`) || !res.has(`value="`+long+`"`) {
			t.Errorf("long reason:\n%s", res.body)
		}
		if ok, _ := p.e.s.Contacts.IsSubscribed(ctx, ws, dani); !ok {
			t.Fatal("a refused unsubscribe opted the contact out")
		}
		// A plain form works too, and comes back to the page.
		res = p.b.post(path+"/unsubscribe", url.Values{"reason": {"Asked by phone <no promos>"}})
		wantRedirect(t, res, path)
		o, err := p.e.s.Contacts.OptOutOf(ctx, ws, dani)
		if err != nil || o == nil || o.Source != contacts.OptOutAgent || o.Reason != "Asked by phone <no promos>" {
			t.Fatalf("opt-out %+v %v", o, err)
		}
		res = p.b.get(path)
		if !res.has(`data-testid="optout-reason">Asked by phone &lt;no promos&gt;<`) || !res.has(`data-source="agent">agent<`) {
			t.Errorf("agent's opt-out on the page:\n%s", res.body)
		}
		// The list shows the badge.
		if res := p.results(url.Values{"subscribed": {"no"}}); len(contactRowIDs(res)) != 1 || !res.has(`data-testid="row-opted-out"`) {
			t.Errorf("opted-out list:\n%s", res.body)
		}

		// Another workspace can neither see nor change the subscription.
		p.e.workspace("Globex", "gus@globex.test")
		other := p.e.browser()
		other.login("gus@globex.test")
		wantStatus(t, other.get(path), http.StatusNotFound)
		wantStatus(t, other.post(path+"/resubscribe", url.Values{}), http.StatusNotFound)
		wantStatus(t, other.htmx(http.MethodPost, "/contacts/"+p.ids["Ana"]+"/unsubscribe", "contact-subscription", url.Values{"reason": {"x"}}), http.StatusNotFound)
		if ok, _ := p.e.s.Contacts.IsSubscribed(ctx, ws, dani); ok {
			t.Error("another workspace resubscribed the contact")
		}
		if ok, _ := p.e.s.Contacts.IsSubscribed(ctx, ws, p.ids["Ana"]); !ok {
			t.Error("another workspace unsubscribed a contact")
		}
	})
}

func TestContactsPagesEscapeCustomerText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		const evil = `<script>alert(1)</script>`
		p.write(p.site, "Evil", evil, evil, time.Now())
		p.set("Evil", contacts.Input{Email: valuePtr("evil@example.com"), Attributes: map[string]any{"note": `"><img src=x onerror=alert(2)>`}},
			`<img src=x onerror=alert(3)>`)
		sg, err := p.e.s.Contacts.CreateSegment(context.Background(), p.owner.WorkspaceID, contacts.SegmentInput{Name: valuePtr(evil),
			Filter: &contacts.Filter{Query: `"><script>alert(4)</script>`}})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.e.s.Contacts.Unsubscribe(context.Background(), p.owner.WorkspaceID, p.ids["Evil"], evil, contacts.OptOutAPI); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/contacts", "/contacts/" + p.ids["Evil"], "/contacts?segment=" + sg.ID,
			"/contacts?f=1&q=" + url.QueryEscape(evil) + "&tags_mode=any&tags=" + url.QueryEscape(evil), "/conversations/" + p.convs["Evil"]} {
			res := p.b.get(path)
			wantStatus(t, res, http.StatusOK)
			for _, bad := range []string{"<script>alert", "<img src=x"} {
				if res.has(bad) {
					t.Errorf("%s carries %q unescaped", path, bad)
				}
			}
			if !res.has("&lt;script&gt;alert(") {
				t.Errorf("%s doesn't show the text escaped", path)
			}
		}
	})
}
