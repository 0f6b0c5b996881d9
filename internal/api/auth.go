package api

import (
	"context"
	"net/http"
	"strings"

	"charla/internal/auth"
	"charla/internal/httpx"
	"charla/internal/problem"
)

type userKey struct{}

// user is the authenticated user of a request that passed authenticate.
func user(r *http.Request) auth.User {
	u, _ := r.Context().Value(userKey{}).(auth.User)
	return u
}

var errNoToken = problem.New(problem.Unauthorized, "a valid bearer token is required")

// authenticate resolves the bearer token to its user. The spec accepts API
// tokens and web session tokens alike; API tokens are told apart by prefix.
func (a *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := httpx.Bearer(r)
		var u auth.User
		var err error
		switch {
		case tok == "":
			err = errNoToken
		case strings.HasPrefix(tok, auth.TokenPrefix):
			u, err = a.s.Auth.TokenUser(r.Context(), tok)
		default:
			u, err = a.s.Auth.SessionUser(r.Context(), tok)
		}
		if err != nil {
			if problem.Is(err, problem.Unauthorized) {
				// RFC 6750: say which scheme, and whether a token was tried.
				h := `Bearer realm="charla"`
				if tok != "" {
					h += `, error="invalid_token"`
				}
				w.Header().Set("WWW-Authenticate", h)
			}
			a.error(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// requireManager refuses users whose role may not change channels.
func requireManager(r *http.Request) error { return requireManagerOf(r, "channels") }

// requireManagerOf refuses users whose role may not change what, naming it.
func requireManagerOf(r *http.Request, what string) error {
	if !user(r).CanManage() {
		return problem.New(problem.Forbidden, "only owners and admins can manage %s", what)
	}
	return nil
}
