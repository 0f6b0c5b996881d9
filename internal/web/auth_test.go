package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestFirstRunSetup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		b := e.browser()

		// Every page leads to /setup until a workspace exists, even the login page.
		for _, path := range []string{"/", "/login", "/settings/users", "/conversations/x"} {
			wantRedirect(t, b.get(path), "/setup")
		}
		p := b.get("/setup")
		wantStatus(t, p, http.StatusOK)
		for _, hook := range []string{"setup-workspace", "setup-name", "setup-email", "setup-password", "setup-submit"} {
			if !p.has(`data-testid="` + hook + `"`) {
				t.Errorf("setup page lacks %s", hook)
			}
		}

		p = b.post("/setup", url.Values{"workspace_name": {"Acme"}, "name": {"Olga"}, "email": {"olga@acme.test"}, "password": {"short"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has("Password must be at least 8 characters") || !p.has(`value="olga@acme.test"`) {
			t.Fatalf("invalid setup should say why and keep what was typed:\n%s", p.body)
		}

		p = b.post("/setup", url.Values{"workspace_name": {"Acme"}, "name": {"Olga"}, "email": {"olga@acme.test"}, "password": {password}})
		wantRedirect(t, p, "/")
		p = b.get("/")
		wantStatus(t, p, http.StatusOK)
		if !p.has(`data-testid="conv-list"`) || !p.has("Olga") {
			t.Fatalf("setup should sign the owner in:\n%s", p.body)
		}

		// After setup there's nothing to set up: no second workspace, whoever asks.
		wantRedirect(t, b.get("/setup"), "/")
		stranger := e.browser()
		wantRedirect(t, stranger.get("/setup"), "/")
		p = stranger.post("/setup", url.Values{"workspace_name": {"Evil"}, "email": {"mallory@evil.test"}, "password": {password}})
		wantRedirect(t, p, "/")
		if p := stranger.post("/login", url.Values{"email": {"mallory@evil.test"}, "password": {password}}); p.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a second setup created an account: %d", p.StatusCode)
		}
	})
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		e.workspace("Acme", "olga@acme.test")
		b := e.browser()

		wantRedirect(t, b.get("/"), "/login")
		wantRedirect(t, b.get("/conversations/abc?tab=mine"), "/login?next="+url.QueryEscape("/conversations/abc?tab=mine"))
		// htmx can't follow a redirect into a fragment; it is told to navigate.
		p := b.htmx(http.MethodGet, "/conversations?tab=all", "conv-list", nil)
		if p.StatusCode != http.StatusUnauthorized || p.Header.Get("HX-Redirect") != "/login" {
			t.Fatalf("htmx without a session: %d HX-Redirect %q", p.StatusCode, p.Header.Get("HX-Redirect"))
		}

		p = b.get("/login")
		for _, hook := range []string{"login-email", "login-password", "login-submit"} {
			if !p.has(`data-testid="` + hook + `"`) {
				t.Errorf("login page lacks %s", hook)
			}
		}
		p = b.post("/login", url.Values{"email": {"olga@acme.test"}, "password": {"wrong password"}})
		wantStatus(t, p, http.StatusUnauthorized)
		if !p.has("Wrong email or password") || !p.has(`data-testid="login-error"`) {
			t.Fatalf("wrong password page:\n%s", p.body)
		}

		p = b.post("/login", url.Values{"email": {"OLGA@acme.test"}, "password": {password}, "next": {"/settings/tokens"}})
		wantRedirect(t, p, "/settings/tokens")
		cookie := p.Header.Get("Set-Cookie")
		for _, attr := range []string{"charla_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(cookie, attr) {
				t.Errorf("session cookie %q lacks %s", cookie, attr)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Errorf("cookie %q is Secure although charla is served over plain http here", cookie)
		}
		wantStatus(t, b.get("/"), http.StatusOK)
		wantRedirect(t, b.get("/login"), "/")

		p = b.post("/logout", nil)
		wantRedirect(t, p, "/login")
		wantRedirect(t, b.get("/"), "/login")
	})
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.s.Config.BaseURL = "https://charla.example"
	e.workspace("Acme", "olga@acme.test")
	p := e.browser().post("/login", url.Values{"email": {"olga@acme.test"}, "password": {password}})
	if c := p.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Fatalf("cookie %q should be Secure when charla is served over https", c)
	}
}

func TestLoginNextStaysOnSite(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/conversations/1?tab=mine": "/conversations/1?tab=mine",
		"":                          "/",
		"//evil.example/x":          "/",
		`/\evil.example`:            "/",
		"https://evil.example/":     "/",
		"javascript:alert(1)":       "/",
		"/\t/evil.example":          "/",
		"settings":                  "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		e.workspace("Acme", "olga@acme.test")
		b := e.browser()

		// Successful sign-ins aren't guesses and are never limited.
		for range loginBurst + 1 {
			b.login("olga@acme.test")
		}
		for i := range loginBurst {
			p := b.post("/login", url.Values{"email": {"olga@acme.test"}, "password": {"guess"}})
			if p.StatusCode != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d, want 401", i+1, p.StatusCode)
			}
		}
		// Now even the right password waits: the limit comes before the check.
		p := b.post("/login", url.Values{"email": {"olga@acme.test"}, "password": {password}})
		wantStatus(t, p, http.StatusTooManyRequests)
		if !p.has("Too many sign-in attempts") || p.Header.Get("Retry-After") == "" {
			t.Fatalf("429 page should explain and say when to retry:\n%v\n%s", p.Header, p.body)
		}
		// The address is limited too, whichever account it tries next.
		p = b.post("/login", url.Values{"email": {"someone@acme.test"}, "password": {"guess"}})
		wantStatus(t, p, http.StatusTooManyRequests)
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		e.workspace("Acme", "olga@acme.test")
		b := e.browser()
		form := url.Values{"email": {"olga@acme.test"}, "password": {password}}

		p := b.post("/login", form, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, p, http.StatusForbidden)
		if !p.has("sent from another site") {
			t.Fatalf("refusal page:\n%s", p.body)
		}
		// Older browsers send no Sec-Fetch-Site; a foreign Origin is refused as well.
		req := b.request(http.MethodPost, "/login", strings.NewReader(form.Encode()),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example")
		wantStatus(t, b.do(req), http.StatusForbidden)

		b.login("olga@acme.test")
		wantStatus(t, b.post("/logout", nil, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
		wantStatus(t, b.get("/", "Sec-Fetch-Site", "cross-site"), http.StatusOK) // reading is fine
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.workspace("Acme", "olga@acme.test")
	b := e.browser()
	p := b.get("/login")
	csp := p.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "img-src 'self' data: blob:", "style-src 'self'", "script-src 'self'",
		"connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if p.Header.Get("X-Content-Type-Options") != "nosniff" || p.Header.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("headers: %v", p.Header)
	}
	b.login("olga@acme.test")
	p = b.get("/")
	if inline := inlineCode.FindString(p.body); inline != "" {
		t.Fatalf("the CSP forbids inline script and style, but the page has %q", inline)
	}
}

// inlineCode finds what the CSP would block: inline scripts, styles and handlers.
var inlineCode = regexp.MustCompile(`<script>|<script[^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`)
