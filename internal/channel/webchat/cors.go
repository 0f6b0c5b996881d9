package webchat

import (
	"net/http"

	"charla/internal/channel"
	"charla/internal/httpx"
	"charla/internal/problem"
)

var errForeignSite = problem.New(problem.Forbidden, "this site is not allowed to use this chat widget")

// cors lets the sites a channel allows call its API from the browser. Visitors
// authenticate with bearer tokens, never cookies, so credentials mode stays off.
func (h *handler) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" {
			// Reflected even on the 403, so the embedding page can read why it is refused.
			w.Header().Set("Access-Control-Allow-Origin", origin)
			if !h.originAllowed(channelFrom(r), origin) {
				httpx.Error(w, r, errForeignSite)
				return
			}
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// originAllowed applies the channel's allowed origins; charla's own origin is
// always allowed because it serves the demo page.
func (h *handler) originAllowed(ch channel.Channel, origin string) bool {
	if own, ok := NormalizeOrigin(h.s.Config.BaseURL); ok {
		if o, ok := NormalizeOrigin(origin); ok && o == own {
			return true
		}
	}
	return Parse(ch.Settings).OriginAllowed(origin)
}
