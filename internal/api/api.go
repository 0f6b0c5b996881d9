// Package api serves Charla's REST API, /api/v1. The contract is
// spec/openapi.yaml: every operation there is routed here, and the tests
// check both directions and validate real traffic against the document.
package api

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/time/rate"

	"charla/internal/api/spec"
	"charla/internal/core"
	"charla/internal/problem"
)

// Prefix is where the app mounts Routes; the spec's server URL says the same.
// Attachment download URLs are built with it.
const Prefix = "/api/v1"

// options are the knobs tests turn; production uses defaults.
type options struct {
	// rate and burst bound each token's requests.
	rate  rate.Limit
	burst int
	// now is the limiter's clock, frozen in tests so limits are exact.
	now func() time.Time
}

var defaults = options{rate: 20, burst: 40, now: time.Now}

type server struct {
	s       *core.Services
	log     *slog.Logger
	limiter *limiter
}

// Routes registers the API on r, which the caller mounts at Prefix.
func Routes(r chi.Router, s *core.Services) { routes(r, s, defaults) }

func routes(r chi.Router, s *core.Services, o options) {
	a := &server{s: s, log: s.Log, limiter: newLimiter(o.rate, o.burst, o.now)}
	if a.log == nil {
		a.log = slog.Default()
	}
	// JSON errors for unmatched paths and methods, so clients parse one shape.
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		a.error(w, r, problem.New(problem.NotFound, "no such API endpoint: %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		a.methodNotAllowed(w, req, r)
	})

	// The document describes how to authenticate, so it must not need it.
	r.Get("/openapi.json", a.openapi)

	r.Group(func(r chi.Router) {
		r.Use(a.authenticate, a.rateLimit)

		r.Get("/contacts", a.listContacts)
		r.Post("/contacts", a.createContact)
		r.Get("/contacts/{contact_id}", a.getContact)
		r.Patch("/contacts/{contact_id}", a.updateContact)
		r.Delete("/contacts/{contact_id}", a.deleteContact)
		r.Post("/contacts/{contact_id}/tags", a.addContactTags)
		r.Delete("/contacts/{contact_id}/tags/{tag}", a.removeContactTag)
		r.Get("/contacts/{contact_id}/subscription", a.getSubscription)
		r.Post("/contacts/{contact_id}/unsubscribe", a.unsubscribeContact)
		r.Post("/contacts/{contact_id}/resubscribe", a.resubscribeContact)

		r.Get("/segments", a.listSegments)
		r.Post("/segments", a.createSegment)
		r.Post("/segments/count", a.countContacts)
		r.Get("/segments/{segment_id}", a.getSegment)
		r.Patch("/segments/{segment_id}", a.updateSegment)
		r.Delete("/segments/{segment_id}", a.deleteSegment)
		r.Get("/segments/{segment_id}/contacts", a.listSegmentContacts)

		r.Get("/conversations", a.listConversations)
		r.Get("/conversations/{conversation_id}", a.getConversation)
		r.Post("/conversations/{conversation_id}/assign", a.assignConversation)
		r.Post("/conversations/{conversation_id}/unassign", a.unassignConversation)
		r.Post("/conversations/{conversation_id}/close", a.closeConversation)
		r.Post("/conversations/{conversation_id}/reopen", a.reopenConversation)

		r.Get("/conversations/{conversation_id}/messages", a.listMessages)
		r.Post("/conversations/{conversation_id}/messages", a.sendMessage)
		r.Post("/conversations/{conversation_id}/notes", a.addNote)
		r.Get("/attachments/{attachment_id}", a.getAttachment)

		r.Get("/channels", a.listChannels)
		r.Post("/channels", a.createChannel)
		r.Get("/channels/{channel_id}", a.getChannel)
		r.Patch("/channels/{channel_id}", a.updateChannel)
		r.Delete("/channels/{channel_id}", a.deleteChannel)
		r.Get("/channels/{channel_id}/health", a.channelHealth)
		r.Post("/channels/{channel_id}/check", a.checkChannel)
		r.Get("/channels/{channel_id}/link", a.chatLink)
		r.Get("/channels/{channel_id}/qr.png", a.chatQR)

		r.Get("/channels/{channel_id}/templates", a.channelTemplates)
		r.Post("/channels/{channel_id}/templates", a.submitTemplate)
		r.Post("/channels/{channel_id}/templates/sync", a.syncTemplates)
		r.Get("/channels/{channel_id}/templates/{template_id}", a.getTemplate)
		r.Delete("/channels/{channel_id}/templates/{template_id}", a.deleteTemplate)
		r.Get("/template-languages", a.templateLanguages)

		r.Get("/channels/{channel_id}/profile", a.getProfile)
		r.Patch("/channels/{channel_id}/profile", a.updateProfile)
		r.Post("/channels/{channel_id}/profile/sync", a.syncProfile)
		r.Put("/channels/{channel_id}/profile/photo", a.setProfilePhoto)

		r.Get("/broadcasts", a.listBroadcasts)
		r.Post("/broadcasts", a.createBroadcast)
		r.Post("/broadcasts/estimate", a.estimateBroadcast)
		r.Post("/broadcasts/audience/csv", a.uploadBroadcastAudience)
		r.Get("/broadcasts/{broadcast_id}", a.getBroadcast)
		r.Patch("/broadcasts/{broadcast_id}", a.updateBroadcast)
		r.Delete("/broadcasts/{broadcast_id}", a.deleteBroadcast)
		r.Post("/broadcasts/{broadcast_id}/start", a.startBroadcast)
		r.Post("/broadcasts/{broadcast_id}/pause", a.pauseBroadcast)
		r.Post("/broadcasts/{broadcast_id}/resume", a.resumeBroadcast)
		r.Post("/broadcasts/{broadcast_id}/cancel", a.cancelBroadcast)
		r.Post("/broadcasts/{broadcast_id}/retry-failed", a.retryBroadcastFailures)
		r.Get("/broadcasts/{broadcast_id}/recipients", a.listBroadcastRecipients)
		r.Get("/broadcasts/{broadcast_id}/report", a.getBroadcastReport)
	})
}

func (a *server) openapi(w http.ResponseWriter, r *http.Request) {
	b, err := spec.JSON()
	if err != nil {
		a.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// methodNotAllowed answers 405 with the Allow header chi would have set, which
// a custom handler has to compute itself.
func (a *server) methodNotAllowed(w http.ResponseWriter, r *http.Request, routes chi.Routes) {
	path := r.URL.Path
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePath != "" {
		path = rc.RoutePath
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		if routes.Match(chi.NewRouteContext(), m, path) {
			allow = append(allow, m)
		}
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	a.errorStatus(w, r, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not supported here", nil)
}
