package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"charla/internal/auth"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

const sessionCookie = "charla_session"

func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

func setSessionCookie(w http.ResponseWriter, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: int(auth.SessionTTL / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

func clearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

// safeNext returns next if it is a path on this site, else "/": a login link
// must never bounce a fresh session to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	u, err := url.Parse(next) // also refuses control characters, which browsers strip
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

func loginURL(next string) string {
	next = safeNext(next)
	if next == "/" || strings.HasPrefix(next, "/login") {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

func (h *handler) setupPage(w http.ResponseWriter, r *http.Request) {
	if need, err := h.needsSetup(r.Context()); err != nil || !need {
		h.afterSetup(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.SetupPage(h.layout(r, "Welcome", ""), templates.SetupForm{}, templates.Errors{}))
}

// afterSetup answers /setup once a workspace exists: there is nothing to set up.
func (h *handler) afterSetup(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *handler) setup(w http.ResponseWriter, r *http.Request) {
	f := templates.SetupForm{
		Workspace: r.PostFormValue("workspace_name"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
	}
	password := r.PostFormValue("password")
	h.setupMu.Lock()
	defer h.setupMu.Unlock()
	if need, err := h.needsSetup(r.Context()); err != nil || !need {
		h.afterSetup(w, r, err)
		return
	}
	if _, err := h.s.Auth.Setup(r.Context(), f.Workspace, f.Email, f.Name, password); err != nil {
		status, e := h.formErrors(r, err)
		h.render(w, r, status, templates.SetupPage(h.layout(r, "Welcome", ""), f, e))
		return
	}
	h.setupDone.Store(true)
	token, _, err := h.s.Auth.Login(r.Context(), f.Email, password)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	setSessionCookie(w, token, h.s.Config.Secure())
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := h.s.Auth.SessionUser(r.Context(), sessionToken(r)); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, templates.LoginPage(h.layout(r, "Sign in", ""), templates.LoginForm{Next: next}, ""))
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	f := templates.LoginForm{Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	now := time.Now()
	byIP := h.loginByIP.reserve(clientKey(r), now)
	byEmail := h.loginByEmail.reserve(strings.ToLower(strings.TrimSpace(f.Email)), now)
	if wait := max(byIP.DelayFrom(now), byEmail.DelayFrom(now)); wait > 0 {
		byIP.CancelAt(now)
		byEmail.CancelAt(now)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		msg := "Too many sign-in attempts. Please wait " + waitText(wait) + " and try again."
		h.render(w, r, http.StatusTooManyRequests, templates.LoginPage(h.layout(r, "Sign in", ""), f, msg))
		return
	}
	token, _, err := h.s.Auth.Login(r.Context(), f.Email, r.PostFormValue("password"))
	if err != nil {
		p := problem.As(err)
		if p.Kind == problem.Internal {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, p.Status(), templates.LoginPage(h.layout(r, "Sign in", ""), f, upperFirst(p.Message)+"."))
		return
	}
	// Signing in successfully is not guessing: give the tokens back.
	byIP.CancelAt(now)
	byEmail.CancelAt(now)
	// A session this browser had before is replaced, not left behind.
	if old := sessionToken(r); old != "" {
		_ = h.s.Auth.Logout(r.Context(), old)
	}
	setSessionCookie(w, token, h.s.Config.Secure())
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

func waitText(d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	if s <= 1 {
		return "a second"
	}
	if s < 60 {
		return strconv.Itoa(s) + " seconds"
	}
	return "a minute"
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Auth.Logout(r.Context(), sessionToken(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	clearSessionCookie(w, h.s.Config.Secure())
	h.redirect(w, r, "/login")
}
