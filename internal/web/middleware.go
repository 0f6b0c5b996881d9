package web

import (
	"context"
	"net/http"
	"net/url"

	"charla/internal/auth"
	"charla/internal/problem"
)

// uiCSP allows nothing inline: behaviour lives in /static/app.js and
// configuration in data- attributes, so injected markup can't run script.
const uiCSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", uiCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type userKey struct{}

// currentUser is the signed-in user; only handlers behind signedIn may call it.
func currentUser(ctx context.Context) auth.User {
	u, _ := ctx.Value(userKey{}).(auth.User)
	return u
}

// maybeUser is the signed-in user on pages that also serve visitors (errors).
func maybeUser(ctx context.Context) *auth.User {
	u, ok := ctx.Value(userKey{}).(auth.User)
	if !ok {
		return nil
	}
	return &u
}

// firstRun sends every page to /setup until a workspace exists.
func (h *handler) firstRun(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		need, err := h.needsSetup(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if need && r.URL.Path != "/setup" {
			h.redirect(w, r, "/setup")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) needsSetup(ctx context.Context) (bool, error) {
	if h.setupDone.Load() {
		return false, nil
	}
	need, err := h.s.Auth.NeedsSetup(ctx)
	if err == nil && !need {
		h.setupDone.Store(true)
	}
	return need, err
}

// signedIn admits requests with a live session and sends the rest to /login.
func (h *handler) signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := sessionToken(r)
		u, err := h.s.Auth.SessionUser(r.Context(), token)
		if problem.Is(err, problem.Unauthorized) {
			if token != "" {
				clearSessionCookie(w, h.s.Config.Secure()) // expired or revoked: stop sending it
			}
			h.toLogin(w, r)
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// toLogin answers a request without a session in the way its client understands.
func (h *handler) toLogin(w http.ResponseWriter, r *http.Request) {
	switch {
	case isHTMX(r):
		// htmx would swap a login page into a fragment's place; make it navigate instead.
		back := "/"
		if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil {
			back = u.RequestURI()
		}
		w.Header().Set("HX-Redirect", loginURL(back))
		w.WriteHeader(http.StatusUnauthorized)
	case r.Header.Get("Accept") == "text/event-stream":
		// EventSource can't follow a login page; it just retries later.
		http.Error(w, "not signed in", http.StatusUnauthorized)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		http.Redirect(w, r, loginURL(r.URL.RequestURI()), http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
}

func (h *handler) managersOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !currentUser(r.Context()).CanManage() {
			h.fail(w, r, problem.New(problem.Forbidden, "Only owners and admins can change workspace settings."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginDenied replaces net/http's plain-text refusal with a page.
func (h *handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, problem.New(problem.Forbidden, "This form was sent from another site, so it was refused. Reload the page and try again."))
}

// isHTMX tells whether htmx sent r, i.e. the answer is a fragment.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// hxTarget is the id of the element an htmx request will swap, or "".
func hxTarget(r *http.Request) string {
	if !isHTMX(r) {
		return ""
	}
	return r.Header.Get("HX-Target")
}

// redirect navigates the browser to path, whether or not htmx made the request.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, path string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", path)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}
