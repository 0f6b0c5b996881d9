package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/content"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
	"charla/internal/web/templates"
)

var providerPath = regexp.MustCompile(`^/settings/channels/([0-9a-f-]+)\?done=provider-created$`)

// noSecrets fails the test if a page holds any of the secret values.
func noSecrets(t *testing.T, p page, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if p.has(s) {
			t.Fatalf("%s %s echoes the secret %q", p.Request.Method, p.Request.URL.Path, s)
		}
	}
}

func TestConnectWhatsAppCloud(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newWhatsAppEnv(t, d)
		owner := e.workspace("Acme", "olga@acme.test")
		b := e.browser()
		b.login("olga@acme.test")
		ctx := context.Background()
		const token, appSecret = "EAAG-super-secret-token", "app-secret-value-123"

		p := b.get("/settings/channels")
		if !p.has(`data-testid="channel-connect-whatsapp_cloud"`) || !p.has(`data-testid="channel-connect-360dialog"`) {
			t.Fatalf("channels page should offer both WhatsApp types:\n%s", p.body)
		}
		p = b.get("/settings/channels/new?type=whatsapp_cloud")
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{`name="phone_number_id"`, `name="waba_id"`, `type="password" name="access_token"`,
			`type="password" name="app_secret"`, `name="greeting"`, `name="graph_url"`, `name="api_version"`,
			"WhatsApp Manager", "App secret", `<input type="hidden" name="type" value="whatsapp_cloud">`} {
			if !p.has(want) {
				t.Errorf("connect form lacks %q", want)
			}
		}
		wantStatus(t, b.get("/settings/channels/new?type=telegram"), http.StatusNotFound)

		// A form with mistakes comes back as typed, secrets left out.
		form := url.Values{"type": {"whatsapp_cloud"}, "name": {"Sales WhatsApp"}, "phone_number_id": {"106540352242922"},
			"waba_id": {""}, "access_token": {token}, "app_secret": {appSecret}, "greeting": {"Olá!"}}
		p = b.post("/settings/channels", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-settings.waba_id"`) || !p.has(`value="106540352242922"`) || !p.has(`value="Sales WhatsApp"`) {
			t.Fatalf("field errors:\n%s", p.body)
		}
		noSecrets(t, p, token, appSecret)
		p = b.post("/settings/channels", url.Values{"type": {"whatsapp_cloud"}, "name": {"x"}, "phone_number_id": {"1"}, "waba_id": {"2"}})
		if !p.has(`data-testid="error-secrets.access_token"`) || !p.has("Access token is required") {
			t.Fatalf("missing secrets should be named:\n%s", p.body)
		}

		form.Set("waba_id", "102290129340398")
		p = b.post("/settings/channels", form)
		m := providerPath.FindStringSubmatch(p.Header.Get("Location"))
		if p.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
		}
		id := m[1]
		c, err := e.s.Channels.Get(ctx, owner.WorkspaceID, id)
		if err != nil {
			t.Fatal(err)
		}
		var stored map[string]string
		_ = json.Unmarshal(c.Settings, &stored)
		if stored["greeting"] != "Olá!" || stored["graph_url"] != "https://graph.facebook.com" || stored["verify_token"] == "" {
			t.Fatalf("stored settings: %s", c.Settings)
		}
		if s, _ := e.s.Channels.Secrets(c); s["access_token"] != token || s["app_secret"] != appSecret {
			t.Fatalf("stored secrets: %v", s)
		}

		// The page shows what to paste at Meta, with copy buttons, and never the secrets.
		p = b.get("/settings/channels/" + id + "?done=provider-created")
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{"Channel connected", "Callback URL", "http://charla.example/webhooks/whatsapp/" + id,
			"Verify token", stored["verify_token"], `data-copy-target="#setup-0"`, `data-copy-target="#setup-1"`,
			`data-testid="channel-health"`, `data-testid="channel-check"`, "Saved — leave empty to keep it",
			"Contacts and conversation history stay", `>Olá!</textarea>`, `value="https://graph.facebook.com"`} {
			if !p.has(want) {
				t.Errorf("channel page lacks %q", want)
			}
		}
		noSecrets(t, p, token, appSecret)

		// An empty secret field keeps the stored secret; a typed one replaces it.
		wantRedirect(t, b.post("/settings/channels/"+id, url.Values{"name": {"Sales 2"}, "phone_number_id": {"106540352242922"},
			"waba_id": {"102290129340398"}, "access_token": {""}, "app_secret": {"new-app-secret"}, "greeting": {"Hi"}}),
			"/settings/channels/"+id+"?done=channel-updated")
		c, _ = e.s.Channels.Get(ctx, owner.WorkspaceID, id)
		var after map[string]string
		_ = json.Unmarshal(c.Settings, &after)
		if s, _ := e.s.Channels.Secrets(c); s["access_token"] != token || s["app_secret"] != "new-app-secret" || c.Name != "Sales 2" ||
			after["verify_token"] != stored["verify_token"] || after["greeting"] != "Hi" {
			t.Fatalf("after update: %s %s %v", c.Name, c.Settings, s)
		}
		// The send rate is a number; empty means the provider's default.
		rate := url.Values{"name": {"Sales 2"}, "phone_number_id": {"106540352242922"}, "waba_id": {"102290129340398"}, "greeting": {"Hi"}}
		for _, bad := range []string{"fast", "5000"} {
			rate.Set("rate_limit", bad)
			if p := b.post("/settings/channels/"+id, rate); p.StatusCode != http.StatusUnprocessableEntity || !p.has(`data-testid="error-settings.rate_limit"`) {
				t.Fatalf("rate %q: %d\n%s", bad, p.StatusCode, p.body)
			}
		}
		rate.Set("rate_limit", "250")
		wantRedirect(t, b.post("/settings/channels/"+id, rate), "/settings/channels/"+id+"?done=channel-updated")
		c, _ = e.s.Channels.Get(ctx, owner.WorkspaceID, id)
		var withRate struct {
			RateLimit float64 `json:"rate_limit"`
		}
		if err := json.Unmarshal(c.Settings, &withRate); err != nil || withRate.RateLimit != 250 {
			t.Fatalf("stored rate: %s", c.Settings)
		}
		if p := b.get("/settings/channels/" + id); !p.has(`name="rate_limit" value="250"`) {
			t.Fatalf("the form should show the stored rate:\n%s", p.body)
		}
		rate.Set("rate_limit", "")
		wantRedirect(t, b.post("/settings/channels/"+id, rate), "/settings/channels/"+id+"?done=channel-updated")
		if c, _ = e.s.Channels.Get(ctx, owner.WorkspaceID, id); strings.Contains(string(c.Settings), "rate_limit") {
			t.Fatalf("an empty rate should fall back to the default: %s", c.Settings)
		}
		p = b.post("/settings/channels/"+id, url.Values{"name": {"Sales 2"}, "phone_number_id": {""}, "waba_id": {"1"}, "access_token": {"typed-but-refused"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-settings.phone_number_id"`) || !p.has(`data-testid="channel-health"`) {
			t.Fatalf("a failed edit shows the page again:\n%s", p.body)
		}
		noSecrets(t, p, token, "new-app-secret", "typed-but-refused")
		if p := b.get("/settings/channels"); !p.has(`data-type="whatsapp_cloud"`) || !p.has("WhatsApp Cloud API") {
			t.Errorf("the list should name the type")
		}

		// Deleting keeps contacts and history.
		conv := e.inbound(c, inbox.Inbound{Body: "hello"})
		wantRedirect(t, b.post("/settings/channels/"+id+"/delete", nil), "/settings/channels?done=channel-deleted")
		wantStatus(t, b.get("/settings/channels/"+id), http.StatusNotFound)
		if p := b.get("/conversations/" + conv.ConversationID); p.StatusCode != http.StatusOK || !p.has("hello") {
			t.Fatalf("the conversation should outlive its channel: %d", p.StatusCode)
		}
	})
}

func TestChannelTroubleshooting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newWhatsAppEnv(t, d)
		emu := e.emulate(func(c *emulator.Config) { c.VerifiedName = "Acme <Shop>" })
		owner := e.workspace("Acme", "olga@acme.test")
		wa := e.whatsapp(owner, emu)
		b := e.browser()
		b.login("olga@acme.test")
		ctx := context.Background()
		path := "/settings/channels/" + wa.ID

		p := b.get(path)
		for _, want := range []string{`data-testid="health-webhook">Never`, `data-testid="health-checked">Never`, "0 (limit unknown"} {
			if !p.has(want) {
				t.Errorf("fresh channel's panel lacks %q", want)
			}
		}

		// One business-initiated conversation: a template after the window,
		// Meta's sample that every WhatsApp Business Account has.
		old := e.inbound(wa, inbox.Inbound{Body: "hi", At: time.Now().Add(-30 * time.Hour)})
		tpl, err := e.s.Inbox.Compose(ctx, owner, old.ConversationID, inbox.Draft{Kind: content.KindTemplate,
			Content: &content.Content{Template: &content.Template{Name: "hello_world", Language: "en_US"}}})
		if err != nil {
			t.Fatal(err)
		}
		e.eventually("the template to reach WhatsApp", func() bool { return e.message(owner.WorkspaceID, tpl.ID).ProviderMessageID != "" })
		if emu.SentTo("5511987654321") != 1 {
			t.Fatalf("the provider got %d messages", emu.SentTo("5511987654321"))
		}
		// The contact answers through WhatsApp: its webhook is the one seen.
		if _, err := emu.CustomerSends(ctx, "5511987654321", "Vera", emulator.Text("Thanks!")); err != nil {
			t.Fatal(err)
		}

		p = b.htmx(http.MethodPost, path+"/check", "channel-health", nil)
		wantStatus(t, p, http.StatusOK)
		// The emulator's number: its display number, verified name (shown as
		// text), GREEN quality and TIER_UNLIMITED.
		for _, want := range []string{`id="channel-health"`, `data-testid="check-ok"`, ">" + emu.Config().DisplayPhoneNumber, "Acme &lt;Shop&gt;",
			`quality quality-green`, `data-quality="GREEN"`, "Green — high quality", "Unlimited business-initiated conversations",
			`data-testid="health-usage" class="">1 (no limit)<`, "just now"} {
			if !p.has(want) {
				t.Errorf("checked panel lacks %q", want)
			}
		}
		if p.has("<html") || p.has(`data-testid="health-webhook">Never`) {
			t.Errorf("the check answers the panel alone, with the webhook seen:\n%s", p.body)
		}

		// A refused check shows the provider's words and charla's advice, and
		// is kept as the last error: Graph answers a wrong token with 401, code 190.
		if _, err := e.s.Channels.Update(ctx, owner.WorkspaceID, wa.ID, nil, nil, map[string]string{"access_token": "EAAG-revoked-token"}); err != nil {
			t.Fatal(err)
		}
		p = b.htmx(http.MethodPost, path+"/check", "channel-health", nil)
		wantStatus(t, p, http.StatusOK)
		const refused = "Checking the number failed: whatsapp: HTTP 401: error 190: Invalid OAuth access token - Cannot parse access token" +
			" — The access token has expired or was revoked; reconnect the channel with a new token."
		if !p.has(`data-testid="check-error"`) || strings.Count(p.body, refused) != 2 || p.has(`data-testid="check-ok"`) {
			t.Fatalf("failed check:\n%s", p.body)
		}
		noSecrets(t, p, "EAAG-revoked-token", emuAccessToken, emuAppSecret)
		// Without htmx the form posts and the page shows the stored outcome.
		wantRedirect(t, b.post(path+"/check", nil), path+"?done=check-failed")
		if p := b.get(path + "?done=check-failed"); !p.has("The check failed") || !p.has(`data-testid="health-error"`) {
			t.Errorf("page after a failed check:\n%s", p.body)
		}

		// Agents can't check or change channels.
		if _, err := e.s.Auth.CreateUser(ctx, owner, "andy@acme.test", "Andy", password, auth.Agent); err != nil {
			t.Fatal(err)
		}
		agent := e.browser()
		agent.login("andy@acme.test")
		wantStatus(t, agent.post(path+"/check", nil), http.StatusForbidden)
	})
}

func TestConnect360dialog(t *testing.T) {
	t.Parallel()
	e := newWhatsAppEnv(t, storetest.Open(t, store.SQLite))
	emu := e.emulate(nil)
	d360 := emu.url + "/360dialog"
	owner := e.workspace("Acme", "olga@acme.test")
	b := e.browser()
	b.login("olga@acme.test")
	ctx := context.Background()
	p := b.get("/settings/channels/new?type=360dialog")
	for _, want := range []string{`name="phone_number"`, `type="password" name="api_key"`, `name="base_url"`, "D360-API-KEY"} {
		if !p.has(want) {
			t.Errorf("360dialog form lacks %q", want)
		}
	}
	if p.has(`name="phone_number_id"`) {
		t.Error("the 360dialog form has Cloud API fields")
	}

	// Saving registers charla's webhook with 360dialog, so a key it refuses
	// is caught at once, and nothing is stored.
	form := url.Values{"type": {"360dialog"}, "name": {"Support"}, "phone_number": {"+5511987654321"}, "api_key": {"d360-wrong-key"}, "base_url": {d360}}
	p = b.post("/settings/channels", form)
	wantStatus(t, p, http.StatusBadRequest)
	if !p.has(`data-testid="form-error">360dialog did not accept the webhook registration: whatsapp: HTTP 401: (#0) Invalid api_key — `+
		`WhatsApp rejected the channel&#39;s credentials; reconnect the channel.<`) || !p.has(`value="Support"`) || !p.has(`value="`+d360+`"`) {
		t.Fatalf("a refused key: %d\n%s", p.StatusCode, p.body)
	}
	noSecrets(t, p, "d360-wrong-key")
	if cs, _ := e.s.Channels.List(ctx, owner.WorkspaceID); len(cs) != 0 || emu.Callback() != "" {
		t.Fatalf("a refused channel was stored (%d) or registered (%q)", len(cs), emu.Callback())
	}

	form.Set("api_key", emuAPIKey)
	p = b.post("/settings/channels", form)
	m := providerPath.FindStringSubmatch(p.Header.Get("Location"))
	if m == nil {
		t.Fatalf("create: %d %s", p.StatusCode, p.body)
	}
	c, _ := e.s.Channels.Get(ctx, owner.WorkspaceID, m[1])
	secrets, _ := e.s.Channels.Secrets(c)
	webhook := baseURL + "/webhooks/360dialog/" + c.ID + "/" + secrets["webhook_secret"]
	if secrets["webhook_secret"] == "" || emu.Callback() != webhook {
		t.Fatalf("360dialog posts to %q, want %q", emu.Callback(), webhook)
	}

	// An empty key field keeps the key; the webhook stays where it was.
	wantRedirect(t, b.post("/settings/channels/"+m[1], url.Values{"name": {"Support"}, "phone_number": {"+5511987654321"}, "api_key": {""}, "base_url": {d360}}),
		"/settings/channels/"+m[1]+"?done=channel-updated")
	c, _ = e.s.Channels.Get(ctx, owner.WorkspaceID, m[1])
	if s, _ := e.s.Channels.Secrets(c); s["api_key"] != emuAPIKey || s["webhook_secret"] != secrets["webhook_secret"] || emu.Callback() != webhook {
		t.Fatalf("the API key should be kept: %v, webhook %q", s, emu.Callback())
	}
	page := b.get("/settings/channels/" + m[1])
	noSecrets(t, page, emuAPIKey, secrets["webhook_secret"])
	if !page.has("registered with 360dialog automatically") {
		t.Errorf("the setup guide should say the webhook is registered:\n%s", page.body)
	}
	if templates.TypeLabel(c.Type) != "WhatsApp via 360dialog" {
		t.Errorf("type label %q", templates.TypeLabel(c.Type))
	}

	// Checking the connection asks 360dialog with the key; it has no number
	// details to give, so the panel shows the configured number.
	p = b.htmx(http.MethodPost, "/settings/channels/"+m[1]+"/check", "channel-health", nil)
	wantStatus(t, p, http.StatusOK)
	for _, want := range []string{`data-testid="check-ok"`, "+5511987654321", `quality quality-unknown`, "Unknown"} {
		if !p.has(want) {
			t.Errorf("checked panel lacks %q:\n%s", want, p.body)
		}
	}
}

// The limit line and the usage line read the number's tier; the emulator's
// number is unlimited, so the counted tiers are rendered here.
func TestHealthPanelLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    channel.NumberInfo
		used int
		want []string
	}{
		{channel.NumberInfo{MessagingLimit: "TIER_1K", Limit: 1000}, 1, []string{"1,000 contacts per 24 h (TIER_1K)", `class="">1 of 1,000<`}},
		{channel.NumberInfo{MessagingLimit: "TIER_1K", Limit: 1000}, 800, []string{`class="near-limit">800 of 1,000<`}},
		{channel.NumberInfo{MessagingLimit: "TIER_100K", Limit: 100000}, 12345, []string{"100,000 contacts per 24 h (TIER_100K)", "12,345 of 100,000"}},
		{channel.NumberInfo{MessagingLimit: "TIER_UNLIMITED", Limit: -1}, 3, []string{"Unlimited business-initiated conversations", "3 (no limit)"}},
	} {
		var b strings.Builder
		h := templates.ChannelHealth{ChannelID: "c1", Initiated: c.used, Health: channel.Health{Number: &c.n}}
		if err := templates.ChannelHealthPanel(h).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%+v, %d used: panel lacks %q:\n%s", c.n, c.used, w, b.String())
			}
		}
	}
}

// Without the WhatsApp types registered, nothing offers to connect them.
func TestNoConnectWithoutTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.workspace("Acme", "olga@acme.test")
	b := e.browser()
	b.login("olga@acme.test")
	if p := b.get("/settings/channels"); p.has("channel-connect-") {
		t.Fatal("connect offered for a type this server doesn't run")
	}
	wantStatus(t, b.get("/settings/channels/new?type=whatsapp_cloud"), http.StatusNotFound)
	wantStatus(t, b.post("/settings/channels", url.Values{"type": {"whatsapp_cloud"}, "name": {"x"}}), http.StatusUnprocessableEntity)
}
