// Package core holds charla's wired services: what every HTTP surface (UI,
// API, channels) is given, kept in a leaf package so none of them imports app.
package core

import (
	"log/slog"

	"charla/internal/auth"
	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/config"
	"charla/internal/contacts"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/secret"
	"charla/internal/store"
)

// Services are the long-lived parts of a running charla.
type Services struct {
	Config   config.Config
	DB       *store.DB
	Keys     *secret.Keys
	Bus      events.Bus
	Blobs    blob.Store
	Auth     *auth.Service
	Contacts *contacts.Service
	Channels *channel.Service
	Inbox    *inbox.Service
	Log      *slog.Logger
}

// MaxUpload is the configured upload limit in bytes.
func (s *Services) MaxUpload() int64 { return s.Config.MaxUploadMB << 20 }
