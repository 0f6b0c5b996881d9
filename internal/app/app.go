// Package app wires configuration into services and serves them.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/channel/webchat"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/events"
	"charla/internal/secret"
	"charla/internal/store"
)

// Open connects to the database, migrates it, and builds every service.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*core.Services, error) {
	d, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s, err := build(ctx, cfg, d, log)
	if err != nil {
		d.Close()
		return nil, err
	}
	return s, nil
}

func build(ctx context.Context, cfg config.Config, d *store.DB, log *slog.Logger) (*core.Services, error) {
	if err := d.Migrate(ctx); err != nil {
		return nil, err
	}
	root, err := secret.LoadOrCreate(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	keys, err := secret.New(root)
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(cfg.Storage, filepath.Join(cfg.DataDir, "attachments"), blob.S3Config{
		Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket, Region: cfg.S3Region,
		AccessKey: cfg.S3Access, SecretKey: cfg.S3Secret, UseSSL: cfg.S3UseSSL, PathStyle: true,
	})
	if err != nil {
		return nil, fmt.Errorf("attachment storage: %w", err)
	}
	var bus events.Bus = events.NewMemory()
	if d.Dialect == store.Postgres {
		// Several instances may share the database: LISTEN/NOTIFY carries each one's events to the others.
		if bus, err = events.NewPostgres(ctx, d.DSN, log); err != nil {
			return nil, fmt.Errorf("realtime bus: %w", err)
		}
	}
	waCfg := wa.Config{BaseURL: cfg.BaseURL}
	types := channel.NewRegistry(webchat.Type{MaxUploadBytes: cfg.MaxUploadMB << 20}, wa.Cloud(waCfg), wa.Dialog(waCfg))
	s, err := core.New(ctx, cfg, d, keys, bus, blobs, types, log)
	if err != nil {
		bus.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return s, nil
}

// Close releases what Open acquired.
func Close(s *core.Services) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Stopping twice (after Serve) is harmless; it releases River's connections.
	_ = s.Jobs.Stop(ctx)
	return errors.Join(s.Bus.Close(), s.DB.Close())
}
