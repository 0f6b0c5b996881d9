package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/web/templates"
)

// API tokens are personal: every user manages their own, whatever their role.

func (h *handler) tokensPage(w http.ResponseWriter, r *http.Request) {
	h.renderTokens(w, r, http.StatusOK, templates.Tokens{})
}

// renderTokens shows the page around v's token just created, typed name or errors.
func (h *handler) renderTokens(w http.ResponseWriter, r *http.Request, status int, v templates.Tokens) {
	tokens, err := h.s.Auth.ListTokens(r.Context(), currentUser(r.Context()))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	frame := h.settings(r, "tokens", "API tokens")
	frame.Errors = v.Errors
	v.Settings, v.Tokens = frame, tokens
	h.render(w, r, status, templates.TokensPage(v))
}

// createToken shows the new token in its answer rather than redirecting:
// the plaintext exists only now and is never stored.
func (h *handler) createToken(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	token, err := h.s.Auth.CreateToken(r.Context(), currentUser(r.Context()).ID, name)
	if err != nil {
		status, e := h.formErrors(r, err)
		v := templates.Tokens{NewName: name}
		v.Errors = e
		h.renderTokens(w, r, status, v)
		return
	}
	h.renderTokens(w, r, http.StatusOK, templates.Tokens{Created: token})
}

func (h *handler) deleteToken(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Auth.DeleteToken(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id")); err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, "/settings/tokens", "token-revoked")
}
