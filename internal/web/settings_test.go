package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"charla/internal/auth"
	"charla/internal/channel/webchat"
	"charla/internal/store"
	"charla/internal/store/storetest"
	"charla/internal/web/templates"
)

func TestAgentsCannotManage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		e.workspace("Acme", "olga@acme.test")
		owner := e.browser()
		owner.login("olga@acme.test")
		p := owner.post("/settings/users", url.Values{"name": {"Andy"}, "email": {"andy@acme.test"}, "password": {password}, "role": {"agent"}})
		wantRedirect(t, p, "/settings/users?done=user-created")

		agent := e.browser()
		agent.login("andy@acme.test")
		for _, path := range []string{"/settings/users", "/settings/teams", "/settings/channels", "/settings/channels/new"} {
			p := agent.get(path)
			wantStatus(t, p, http.StatusForbidden)
			if !p.has("Only owners and admins") {
				t.Errorf("%s: 403 page should say why", path)
			}
		}
		wantStatus(t, agent.post("/settings/users", url.Values{"email": {"x@acme.test"}, "password": {password}, "role": {"owner"}}), http.StatusForbidden)
		wantStatus(t, agent.post("/settings/channels", url.Values{"name": {"Sneaky"}}), http.StatusForbidden)
		wantRedirect(t, agent.get("/settings"), "/settings/tokens")
		if p := agent.get("/settings/tokens"); p.StatusCode != http.StatusOK || p.has(`data-testid="settings-users"`) {
			t.Fatalf("agents manage their own tokens, and see no admin sections: %d", p.StatusCode)
		}
	})
}

func TestManageUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		owner := e.workspace("Acme", "olga@acme.test")
		b := e.browser()
		b.login("olga@acme.test")

		p := b.post("/settings/users", url.Values{"name": {"Bad"}, "email": {"not-an-email"}, "password": {"short"}, "role": {"agent"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-email"`) || !p.has(`data-testid="error-password"`) || !p.has(`value="not-an-email"`) {
			t.Fatalf("field errors:\n%s", p.body)
		}
		wantRedirect(t, b.post("/settings/users", url.Values{"name": {"Ann"}, "email": {"ann@acme.test"}, "password": {password}, "role": {"admin"}}),
			"/settings/users?done=user-created")
		p = b.post("/settings/users", url.Values{"name": {"Ann"}, "email": {"ann@acme.test"}, "password": {password}, "role": {"agent"}})
		wantStatus(t, p, http.StatusConflict)
		if !p.has("already exists") {
			t.Errorf("duplicate email should say so:\n%s", p.body)
		}

		users, _ := e.s.Auth.ListUsers(context.Background(), owner.WorkspaceID)
		var ann auth.User
		for _, u := range users {
			if u.Email == "ann@acme.test" {
				ann = u
			}
		}
		p = b.get("/settings/users?done=user-created")
		if !p.has("User added.") || !p.has(`data-email="ann@acme.test" data-role="admin"`) {
			t.Fatalf("users page:\n%s", p.body)
		}
		wantRedirect(t, b.post("/settings/users/"+ann.ID, url.Values{"name": {"Ann B"}, "role": {"agent"}}), "/settings/users?done=user-updated")
		if u, _ := e.s.Auth.GetUser(context.Background(), owner.WorkspaceID, ann.ID); u.Role != auth.Agent || u.Name != "Ann B" {
			t.Fatalf("user after update: %+v", u)
		}
		// The last owner can't step down: the page says so.
		p = b.post("/settings/users/"+owner.ID, url.Values{"name": {"Olga"}, "role": {"agent"}})
		wantStatus(t, p, http.StatusConflict)
		if !p.has("at least one owner") {
			t.Fatalf("last owner:\n%s", p.body)
		}
		wantRedirect(t, b.post("/settings/users/"+ann.ID+"/delete", nil), "/settings/users?done=user-deleted")
		if _, err := e.s.Auth.GetUser(context.Background(), owner.WorkspaceID, ann.ID); err == nil {
			t.Fatal("user not deleted")
		}
	})
}

func TestManageTeams(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		owner := e.workspace("Acme", "olga@acme.test")
		b := e.browser()
		b.login("olga@acme.test")
		ctx := context.Background()

		wantRedirect(t, b.post("/settings/teams", url.Values{"name": {"Billing"}}), "/settings/teams?done=team-created")
		p := b.post("/settings/teams", url.Values{"name": {"billing"}})
		wantStatus(t, p, http.StatusConflict)
		teams, _ := e.s.Auth.ListTeams(ctx, owner.WorkspaceID)
		if len(teams) != 1 {
			t.Fatalf("teams: %+v", teams)
		}
		id := teams[0].ID
		wantRedirect(t, b.post("/settings/teams/"+id, url.Values{"name": {"Payments"}}), "/settings/teams?done=team-renamed")
		wantRedirect(t, b.post("/settings/teams/"+id+"/members", url.Values{"user_id": {owner.ID}}), "/settings/teams?done=member-added")
		p = b.get("/settings/teams")
		if !p.has(`value="Payments"`) || !p.has(`data-testid="team-member" data-id="`+owner.ID+`"`) {
			t.Fatalf("teams page:\n%s", p.body)
		}
		wantRedirect(t, b.post("/settings/teams/"+id+"/members/"+owner.ID+"/delete", nil), "/settings/teams?done=member-removed")
		wantStatus(t, b.post("/settings/teams/"+id+"/members", url.Values{"user_id": {"nobody"}}), http.StatusNotFound)
		wantRedirect(t, b.post("/settings/teams/"+id+"/delete", nil), "/settings/teams?done=team-deleted")
		if teams, _ := e.s.Auth.ListTeams(ctx, owner.WorkspaceID); len(teams) != 0 {
			t.Fatalf("team not deleted")
		}
	})
}

var channelPath = regexp.MustCompile(`^/settings/channels/([0-9a-f-]+)\?done=channel-created$`)

func TestManageWebsiteChannels(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		owner := e.workspace("Acme", "olga@acme.test")
		b := e.browser()
		b.login("olga@acme.test")
		ctx := context.Background()

		wantStatus(t, b.get("/settings/channels/new"), http.StatusOK)
		p := b.post("/settings/channels", url.Values{"name": {"Shop"}, "greeting": {"Hi"}, "allowed_origins": {"not an origin"}, "color": {"#2563eb"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-settings.allowed_origins"`) || !p.has("not an origin") {
			t.Fatalf("origin error:\n%s", p.body)
		}
		p = b.post("/settings/channels", url.Values{
			"name": {"Shop"}, "greeting": {"Hola!"}, "allowed_origins": {"https://shop.example\r\nhttp://localhost:3000/\r\n"},
			"prechat_enabled": {"on"}, "color": {"#ff0066"},
		})
		m := channelPath.FindStringSubmatch(p.Header.Get("Location"))
		if p.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
		}
		id := m[1]
		c, err := e.s.Channels.Get(ctx, owner.WorkspaceID, id)
		if err != nil {
			t.Fatal(err)
		}
		s := webchat.Parse(c.Settings)
		if s.Greeting != "Hola!" || s.Color != "#ff0066" || !s.PrechatForm.Enabled || s.PrechatForm.RequireEmail ||
			strings.Join(s.AllowedOrigins, " ") != "https://shop.example http://localhost:3000" {
			t.Fatalf("stored settings: %+v", s)
		}

		p = b.get("/settings/channels/" + id + "?done=channel-created")
		snippet := `&lt;script src=&#34;http://charla.example/widget.js&#34; data-channel=&#34;` + id + `&#34; async&gt;&lt;/script&gt;`
		if !p.has(snippet) || !p.has(`href="/demo/`+id+`"`) || !p.has("Channel created") {
			t.Fatalf("channel page should show the snippet and demo link:\n%s", p.body)
		}

		wantRedirect(t, b.post("/settings/channels/"+id, url.Values{"name": {"Shop 2"}, "greeting": {"Hey"}, "color": {"#000000"}}),
			"/settings/channels/"+id+"?done=channel-updated")
		if c, _ := e.s.Channels.Get(ctx, owner.WorkspaceID, id); c.Name != "Shop 2" || len(webchat.Parse(c.Settings).AllowedOrigins) != 0 {
			t.Fatalf("after update: %+v %s", c, c.Settings)
		}
		if p := b.get("/settings/channels"); !p.has(`data-testid="channel-row" data-id="` + id + `"`) {
			t.Fatalf("list lacks the channel")
		}
		wantRedirect(t, b.post("/settings/channels/"+id+"/delete", nil), "/settings/channels?done=channel-deleted")
		wantStatus(t, b.get("/settings/channels/"+id), http.StatusNotFound)
	})
}

var tokenValue = regexp.MustCompile(`data-testid="token-value">(chr_[A-Za-z0-9_-]+)<`)

func TestAPITokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		owner := e.workspace("Acme", "olga@acme.test")
		b := e.browser()
		b.login("olga@acme.test")
		ctx := context.Background()

		wantStatus(t, b.post("/settings/tokens", url.Values{"name": {" "}}), http.StatusUnprocessableEntity)
		p := b.post("/settings/tokens", url.Values{"name": {"CRM sync"}})
		wantStatus(t, p, http.StatusOK)
		m := tokenValue.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("token not shown:\n%s", p.body)
		}
		if u, err := e.s.Auth.TokenUser(ctx, m[1]); err != nil || u.ID != owner.ID {
			t.Fatalf("shown token doesn't work: %v", err)
		}
		// Shown once: the list never has it again.
		p = b.get("/settings/tokens")
		if p.has(m[1]) || !p.has("CRM sync") {
			t.Fatalf("token list:\n%s", p.body)
		}
		tokens, _ := e.s.Auth.ListTokens(ctx, owner)
		wantRedirect(t, b.post("/settings/tokens/"+tokens[0].ID+"/delete", nil), "/settings/tokens?done=token-revoked")
		if _, err := e.s.Auth.TokenUser(ctx, m[1]); err == nil {
			t.Fatal("revoked token still works")
		}
	})
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.workspace("Acme", "olga@acme.test")
	b := e.browser()
	login := b.get("/login")
	for _, name := range []string{"app.css", "app.js", "htmx.min.js", "htmx-ext-sse.min.js"} {
		m := regexp.MustCompile(`"(/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]+)"`).FindStringSubmatch(login.body)
		if m == nil {
			t.Fatalf("page doesn't link %s with a version", name)
		}
		p := b.get(m[1])
		wantStatus(t, p, http.StatusOK)
		if !strings.Contains(p.Header.Get("Cache-Control"), "immutable") || p.Header.Get("X-Content-Type-Options") != "nosniff" || len(p.body) == 0 {
			t.Errorf("%s: %v", name, p.Header)
		}
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") && !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s served as %s", name, ct)
		}
	}
	if p := b.get("/static/app.js?v=old"); strings.Contains(p.Header.Get("Cache-Control"), "immutable") {
		t.Error("a stale version must not be cached forever")
	}
	wantStatus(t, b.get("/static/nope.js"), http.StatusNotFound)
}

func TestFieldMessages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ field, msg, want string }{
		{"email", "is required", "Email is required"},
		{"settings.allowed_origins", "x is not an origin", "X is not an origin"},
		{"workspace_name", "must be at most 100 characters", "Workspace name must be at most 100 characters"},
		{"body", "write a message or attach a file", "Write a message or attach a file"},
	} {
		if got := templates.FieldMessage(c.field, c.msg); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.field, c.msg, got, c.want)
		}
	}
}
