package webchat

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/channel"
	"charla/internal/core"
	"charla/internal/httpx"
	"charla/internal/problem"
)

// Routes registers the widget script, the demo page and the visitor API on the root router.
//
//	GET  /widget.js                           the embeddable script
//	GET  /demo/{channel}                      a page that embeds it
//	GET  /widget/{channel}/config             name, greeting, colour, pre-chat form
//	POST /widget/{channel}/session            start or resume a visitor → token
//	GET  /widget/{channel}/messages           history (bearer token), ?before=<message id>
//	POST /widget/{channel}/messages           send text (JSON) or a file (multipart)
//	GET  /widget/{channel}/attachments/{id}   a file of the visitor's conversation (?token=)
//	GET  /widget/{channel}/ws                 live updates over a WebSocket (?token=)
func Routes(r chi.Router, s *core.Services) {
	h := &handler{s: s}
	r.Get("/widget.js", serveScript)
	r.Get("/demo/{channel}", h.demo)
	r.Route("/widget/{channel}", func(r chi.Router) {
		r.Use(h.withChannel, h.cors)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			httpx.Error(w, r, problem.NotFoundf("page"))
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			// problem has no 405 kind; same error shape, exact status.
			httpx.JSON(w, http.StatusMethodNotAllowed, map[string]any{"error": map[string]string{
				"code": "method_not_allowed", "message": r.Method + " is not allowed here"}})
		})
		r.Get("/config", h.config)
		r.Post("/session", h.session)
		r.Get("/messages", h.listMessages)
		r.Post("/messages", h.postMessage)
		r.Get("/attachments/{id}", h.attachment)
		r.Get("/ws", h.socket)
	})
}

// handler serves one charla's website channels; all per-channel state is read per request.
type handler struct{ s *core.Services }

type channelKey struct{}

// withChannel loads the live website channel named in the path, so every
// endpoint answers 404 alike for unknown, deleted and other kinds of channel.
func (h *handler) withChannel(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch, err := h.lookup(r.Context(), chi.URLParam(r, "channel"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), channelKey{}, ch)))
	})
}

func channelFrom(r *http.Request) channel.Channel {
	ch, _ := r.Context().Value(channelKey{}).(channel.Channel)
	return ch
}

func (h *handler) lookup(ctx context.Context, id string) (channel.Channel, error) {
	ch, err := h.s.Channels.Lookup(ctx, id)
	if err != nil {
		return channel.Channel{}, err
	}
	if ch.Type != TypeName {
		return channel.Channel{}, problem.NotFoundf("channel")
	}
	return ch, nil
}
