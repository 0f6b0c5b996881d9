// Package core holds charla's wired services: what every HTTP surface (UI,
// API, channels) is given, kept in a leaf package so none of them imports app.
package core

import (
	"context"
	"log/slog"

	"charla/internal/auth"
	"charla/internal/blob"
	"charla/internal/broadcast"
	"charla/internal/businessprofile"
	"charla/internal/channel"
	"charla/internal/config"
	"charla/internal/contacts"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/jobs"
	"charla/internal/outbound"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/templates"
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
	// Jobs runs background work once started (Serve starts it).
	Jobs *jobs.Jobs
	// Outbound is the send pipeline behind queued messages.
	Outbound *outbound.Pipeline
	// Templates are WhatsApp message templates; Profiles business profiles.
	Templates *templates.Service
	Profiles  *businessprofile.Service
	// Broadcasts send one message to many contacts at each channel's rate.
	Broadcasts *broadcast.Service
	Log        *slog.Logger
}

// MaxUpload is the configured upload limit in bytes.
func (s *Services) MaxUpload() int64 { return s.Config.MaxUploadMB << 20 }

// New wires the services on an open database from their parts; app and tests
// both build charla through it, so they run the same wiring.
func New(ctx context.Context, cfg config.Config, d *store.DB, keys *secret.Keys, bus events.Bus, blobs blob.Store, types *channel.Registry, log *slog.Logger) (*Services, error) {
	channels := channel.NewService(d, keys, types)
	people := contacts.New(d)
	people.Region = cfg.PhoneRegion
	s := &Services{
		Config: cfg, DB: d, Keys: keys, Bus: bus, Blobs: blobs,
		Auth:     auth.New(d),
		Contacts: people,
		Channels: channels,
		Inbox:    inbox.New(d, bus, blobs, people, channels, log),
		Log:      log,
	}
	var err error
	if s.Jobs, err = jobs.New(ctx, d, jobs.Config{Logger: log}); err != nil {
		return nil, err
	}
	s.Outbound = outbound.New(d, s.Jobs, s.Inbox, channels, blobs, log, outbound.Config{})
	s.Templates = templates.New(d, channels, s.Jobs, log)
	s.Templates.Register(s.Jobs, cfg.TemplateSyncEvery)
	s.Profiles = businessprofile.New(d, channels)
	s.Broadcasts = broadcast.New(d, s.Jobs, bus, s.Inbox, people, channels, s.Templates, s.Outbound, log, broadcast.Config{})
	return s, nil
}
