// Package coretest gives tests charla's services wired as in production, on a
// test database, with an in-memory bus and attachments in a temporary
// directory, and a way to wait for what they do in the background.
package coretest

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/events"
	"charla/internal/secret"
	"charla/internal/store"
)

// New wires services on d. Zero fields of cfg get test defaults; types are the
// channel types to serve.
func New(t testing.TB, d *store.DB, cfg config.Config, types ...channel.Type) *core.Services {
	t.Helper()
	if cfg.SecretKey == "" {
		cfg.SecretKey = strings.Repeat("k", 32)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://charla.test"
	}
	if cfg.MaxUploadMB == 0 {
		cfg.MaxUploadMB = 25
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	keys, err := secret.New(cfg.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(cfg.DataDir + "/attachments")
	if err != nil {
		t.Fatal(err)
	}
	bus := events.NewMemory()
	t.Cleanup(func() { bus.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := core.New(context.Background(), cfg, d, keys, bus, blobs, channel.NewRegistry(types...), log)
	if err != nil {
		t.Fatal(err)
	}
	// Jobs run as in production; stopped before the database closes.
	if err := s.Jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Jobs.Stop(ctx)
	})
	return s
}

// Eventually polls cond until it holds, failing t after 20 seconds:
// background jobs and webhooks settle on their own schedule, so tests wait
// for the state, not for a time.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
