package webchat_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestConfig(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		type cfg struct {
			Name        string `json:"name"`
			Greeting    string `json:"greeting"`
			Color       string `json:"color"`
			PrechatForm struct {
				Enabled      bool `json:"enabled"`
				RequireEmail bool `json:"require_email"`
			} `json:"prechat_form"`
		}
		c := decode[cfg](t, e.api("GET", e.site.ID, "/config", "", nil), http.StatusOK)
		if c.Name != "Acme <b>site</b>" || c.Greeting != "Hola" || c.Color != "#112233" || c.PrechatForm.Enabled {
			t.Fatalf("config %+v", c)
		}
		pre := e.channel(`{"prechat_form":{"enabled":true,"require_email":true}}`)
		c = decode[cfg](t, e.api("GET", pre.ID, "/config", "", nil), http.StatusOK)
		if !c.PrechatForm.Enabled || !c.PrechatForm.RequireEmail || c.Color != "#2563eb" {
			t.Fatalf("prechat config %+v", c)
		}
	})
}

func TestSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		s := decode[session](t, e.api("POST", e.site.ID, "/session", "", map[string]string{"name": "  Vera ", "email": "Vera@Example.COM"}), http.StatusCreated)
		if s.Token == "" || s.Visitor.Name != "Vera" || s.Visitor.Email != "vera@example.com" {
			t.Fatalf("new session %+v", s)
		}
		// Resuming keeps the visitor, name and token.
		again := decode[session](t, e.api("POST", e.site.ID, "/session", "", map[string]string{"token": s.Token}), http.StatusOK)
		if again.Token != s.Token || again.Visitor != s.Visitor {
			t.Fatalf("resumed %+v, want %+v", again, s)
		}
		// A resumed visitor who gives a new name gets a new token for the same visitor.
		sent := e.send(s.Token, "first")
		renamed := decode[session](t, e.api("POST", e.site.ID, "/session", "", map[string]string{"token": s.Token, "name": "Vera V."}), http.StatusOK)
		if renamed.Token == s.Token || renamed.Visitor.Name != "Vera V." || renamed.Visitor.Email != "vera@example.com" {
			t.Fatalf("renamed %+v", renamed)
		}
		if h := e.history(renamed.Token, ""); len(h.Messages) != 1 || h.Messages[0].ID != sent.ID {
			t.Fatalf("renamed visitor lost their history: %+v", h)
		}
		// An empty body starts an anonymous visitor.
		if r := e.do("POST", "/widget/"+e.site.ID+"/session", nil); r.status != http.StatusCreated {
			t.Fatalf("empty body: %d %s", r.status, r.body)
		}

		other := e.channel(`{}`)
		for name, tok := range map[string]string{
			"garbage":       "nope",
			"tampered":      tamper(s.Token),
			"other channel": e.visit(other.ID, nil),
		} {
			r := e.api("POST", e.site.ID, "/session", "", map[string]string{"token": tok})
			if b := decode[errorBody](t, r, http.StatusUnauthorized); b.Error.Code != "unauthorized" {
				t.Fatalf("%s token: %s", name, r.body)
			}
			if r := e.api("GET", e.site.ID, "/messages", tok, nil); r.status != http.StatusUnauthorized {
				t.Fatalf("%s token on messages: %d", name, r.status)
			}
		}
		if r := e.api("GET", e.site.ID, "/messages", "", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("no token: %d %s", r.status, r.body)
		}

		for _, tc := range []struct {
			body  map[string]string
			field string
		}{
			{map[string]string{"email": "not an email"}, "email"},
			{map[string]string{"email": "Vera <vera@example.com>"}, "email"},
			{map[string]string{"name": strings.Repeat("n", 101)}, "name"},
			{map[string]string{"name": "bell\a"}, "name"},
		} {
			b := decode[errorBody](t, e.api("POST", e.site.ID, "/session", "", tc.body), http.StatusUnprocessableEntity)
			if b.Error.Fields[tc.field] == "" {
				t.Fatalf("%v: %+v", tc.body, b)
			}
		}
	})
}

func TestPrechatRequiresEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		pre := e.channel(`{"prechat_form":{"enabled":true,"require_email":true}}`)
		b := decode[errorBody](t, e.api("POST", pre.ID, "/session", "", map[string]string{"name": "Vera"}), http.StatusUnprocessableEntity)
		if b.Error.Fields["email"] == "" || !strings.Contains(b.Error.Message, "Email") {
			t.Fatalf("missing email: %+v", b)
		}
		tok := e.visit(pre.ID, map[string]string{"name": "Vera", "email": "vera@example.com"})
		// Resuming needs no email again, but clearing it is refused.
		if r := e.api("POST", pre.ID, "/session", "", map[string]string{"token": tok}); r.status != http.StatusOK {
			t.Fatalf("resume: %d %s", r.status, r.body)
		}
		if r := e.api("POST", pre.ID, "/session", "", map[string]string{"token": tok, "email": ""}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("clearing a required email: %d %s", r.status, r.body)
		}
	})
}

// Two visitors typing the same email must not share a conversation: the email is
// unverified, and sharing would hand one person's chat history to anyone who knows
// their address.
func TestSameEmailDoesNotShareHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		vera := e.visit(e.site.ID, map[string]string{"name": "Vera", "email": "vera@example.com"})
		e.send(vera, "my order number is 1234")
		mallory := e.visit(e.site.ID, map[string]string{"name": "Mallory", "email": "vera@example.com"})
		if h := e.history(mallory, ""); len(h.Messages) != 0 {
			t.Fatalf("a second visitor claiming the email sees %+v", h.Messages)
		}
		e.send(mallory, "hi")
		if h := e.history(mallory, ""); len(h.Messages) != 1 || h.Messages[0].Body != "hi" {
			t.Fatalf("mallory's history %+v", h.Messages)
		}
		if h := e.history(vera, ""); len(h.Messages) != 1 || h.Messages[0].Body != "my order number is 1234" {
			t.Fatalf("vera's history %+v", h.Messages)
		}
		convs := e.conversations()
		if len(convs) != 2 {
			t.Fatalf("%d conversations, want 2", len(convs))
		}
		byName := map[string]string{}
		for _, c := range convs {
			byName[c.Contact.Name] = c.Contact.ID
		}
		v, err := e.s.Contacts.Get(ctx, e.owner.WorkspaceID, byName["Vera"])
		if err != nil || v.Email != "vera@example.com" {
			t.Fatalf("vera's contact %+v %v", v, err)
		}
		m, err := e.s.Contacts.Get(ctx, e.owner.WorkspaceID, byName["Mallory"])
		if err != nil || m.Email != "" || m.Attributes["claimed_email"] != "vera@example.com" {
			t.Fatalf("mallory's contact %+v %v", m, err)
		}
	})
}

// tamper changes one signature character well inside the token: the last
// base64 character may carry only padding bits, so changing it can leave
// the decoded signature intact.
func tamper(tok string) string {
	i := len(tok) - 6
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
