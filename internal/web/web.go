// Package web is charla's agent UI: server-rendered pages (templ) that htmx
// and server-sent events keep live. Every page is scoped to the signed-in
// user's workspace; anything of another workspace is simply not found.
package web

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.977 generate

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/core"
)

// handler carries the services and the little state the UI keeps in memory.
type handler struct {
	s   *core.Services
	log *slog.Logger

	// setupDone caches the end of first run: workspaces are never all deleted
	// through the UI, so once one exists the count needn't be asked again.
	setupDone atomic.Bool
	// setupMu makes the first-run form create one workspace even if submitted twice at once.
	setupMu sync.Mutex

	loginByIP    *limiter
	loginByEmail *limiter
	// heartbeat is how often an idle event stream sends a comment, so proxies
	// and browsers don't take it for dead.
	heartbeat  time.Duration
	sameOrigin *http.CrossOriginProtection
}

func newHandler(s *core.Services) *handler {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	h := &handler{
		s:            s,
		log:          log,
		loginByIP:    newLimiter(loginRate, loginBurst),
		loginByEmail: newLimiter(loginRate, loginBurst),
		heartbeat:    20 * time.Second,
		sameOrigin:   http.NewCrossOriginProtection(),
	}
	h.sameOrigin.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	return h
}

// Routes registers the agent UI on the root router r.
func Routes(r chi.Router, s *core.Services) {
	newHandler(s).routes(r)
}

func (h *handler) routes(r chi.Router) {
	r.Get("/static/{name}", h.asset)
	r.Group(func(r chi.Router) {
		r.Use(securityHeaders, h.sameOrigin.Handler, h.firstRun)
		r.Get("/setup", h.setupPage)
		r.Post("/setup", h.setup)
		r.Get("/login", h.loginPage)
		r.Post("/login", h.login)
		r.Post("/logout", h.logout)

		r.Group(func(r chi.Router) {
			r.Use(h.signedIn)
			r.Get("/", h.inboxPage)
			r.Get("/conversations", h.conversationRows)
			r.Get("/conversations/{id}", h.conversationPage)
			r.Get("/conversations/{id}/header", h.conversationHeader)
			r.Get("/conversations/{id}/older", h.olderMessages)
			r.Get("/conversations/{id}/tail", h.threadTail)
			r.Get("/conversations/{id}/composer", h.composerBox)
			r.Get("/conversations/{id}/quote", h.quote)
			r.Post("/conversations/{id}/messages", h.send)
			r.Get("/conversations/{id}/template-fields", h.templateFields)
			r.Get("/conversations/{id}/template-preview", h.templatePreview)
			r.Post("/conversations/{id}/templates/sync", h.syncConversationTemplates)
			r.Post("/conversations/{id}/reactions", h.react)
			r.Post("/conversations/{id}/assign", h.assign)
			r.Post("/conversations/{id}/unassign", h.unassign)
			r.Post("/conversations/{id}/close", h.closeConversation)
			r.Post("/conversations/{id}/reopen", h.reopenConversation)
			r.Post("/conversations/{id}/snooze", h.snoozeConversation)
			r.Post("/contacts/{id}", h.updateContact)
			r.Post("/contacts/{id}/tags", h.addTag)
			r.Post("/contacts/{id}/tags/remove", h.removeTag)
			r.Get("/contacts", h.contactsPage)
			r.Get("/contacts/{id}", h.contactPage)
			r.Post("/contacts/{id}/unsubscribe", h.unsubscribe)
			r.Post("/contacts/{id}/resubscribe", h.resubscribe)
			r.Get("/segments/{id}/count", h.segmentCount)
			r.With(h.segmentManagers).Post("/segments", h.createSegment)
			r.With(h.segmentManagers).Post("/segments/{id}", h.updateSegment)
			r.With(h.segmentManagers).Post("/segments/{id}/delete", h.deleteSegment)
			r.Get("/attachments/{id}", h.attachment)
			r.Get("/events", h.events)
			h.broadcastRoutes(r)

			r.Get("/settings", h.settingsHome)
			r.Get("/settings/tokens", h.tokensPage)
			r.Post("/settings/tokens", h.createToken)
			r.Post("/settings/tokens/{id}/delete", h.deleteToken)
			r.Group(func(r chi.Router) {
				r.Use(h.managersOnly)
				r.Get("/settings/users", h.usersPage)
				r.Post("/settings/users", h.createUser)
				r.Post("/settings/users/{id}", h.updateUser)
				r.Post("/settings/users/{id}/delete", h.deleteUser)
				r.Get("/settings/teams", h.teamsPage)
				r.Post("/settings/teams", h.createTeam)
				r.Post("/settings/teams/{id}", h.renameTeam)
				r.Post("/settings/teams/{id}/delete", h.deleteTeam)
				r.Post("/settings/teams/{id}/members", h.addTeamMember)
				r.Post("/settings/teams/{id}/members/{user}/delete", h.removeTeamMember)
				r.Get("/settings/channels", h.channelsPage)
				r.Get("/settings/channels/new", h.newChannelPage)
				r.Post("/settings/channels", h.createChannel)
				r.Get("/settings/channels/{id}", h.channelPage)
				r.Post("/settings/channels/{id}", h.updateChannel)
				r.Post("/settings/channels/{id}/delete", h.deleteChannel)
				r.Post("/settings/channels/{id}/check", h.checkChannel)
				r.Get("/settings/channels/{id}/templates", h.templatesPage)
				r.Get("/settings/channels/{id}/templates/new", h.newTemplatePage)
				r.Post("/settings/channels/{id}/templates", h.submitTemplate)
				r.Post("/settings/channels/{id}/templates/sync", h.syncTemplates)
				r.Post("/settings/channels/{id}/templates/{tid}/delete", h.deleteTemplate)
				r.Get("/settings/channels/{id}/profile", h.profilePage)
				r.Post("/settings/channels/{id}/profile", h.updateProfile)
				r.Post("/settings/channels/{id}/profile/sync", h.syncProfile)
				r.Post("/settings/channels/{id}/profile/photo", h.uploadPhoto)
				r.Get("/settings/channels/{id}/qr", h.qrPage)
				r.Get("/settings/channels/{id}/qr.png", h.qrPNG)
			})
		})
	})
}
