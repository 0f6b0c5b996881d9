package channel_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/problem"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/store/storetest"
)

// secretType is a channel type with a secret, as provider channels have.
type secretType struct{}

func (secretType) Name() string                       { return "test_secret" }
func (secretType) Capabilities() channel.Capabilities { return channel.Capabilities{} }
func (secretType) Configure(s json.RawMessage, sec map[string]string, _ json.RawMessage) (json.RawMessage, map[string]string, error) {
	if sec["token"] == "" {
		return nil, nil, problem.Field("token", "is required")
	}
	return json.RawMessage(`{}`), sec, nil
}

func setup(t *testing.T, d *store.DB) *channel.Service {
	t.Helper()
	ctx := context.Background()
	for _, ws := range []string{"w1", "w2"} {
		if err := d.Tx(ctx, func(tx *store.Tx) error {
			return tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: ws, Name: ws, CreatedAt: store.Now()})
		}); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := secret.New(strings.Repeat("k", 32))
	return channel.NewService(d, keys, channel.NewRegistry(webchat.Type{}, secretType{}))
}

func TestUpdateMergesSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s := setup(t, d)
		c, err := s.Create(ctx, "w1", "website", "Site", json.RawMessage(`{"greeting":"Hola","allowed_origins":["https://Shop.example.com/"]}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Lookup(ctx, c.ID); err != nil { // now cached
			t.Fatal(err)
		}
		name := "Shop"
		c, err = s.Update(ctx, "w1", c.ID, &name, json.RawMessage(`{"color":"#112233"}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		if looked, err := s.Lookup(ctx, c.ID); err != nil || looked.Name != "Shop" {
			t.Fatalf("Lookup after an update on this instance: %q %v, want the new name at once", looked.Name, err)
		}
		got := webchat.Parse(c.Settings)
		if c.Name != "Shop" || got.Greeting != "Hola" || got.Color != "#112233" || len(got.AllowedOrigins) != 1 || got.AllowedOrigins[0] != "https://shop.example.com" {
			t.Fatalf("after partial update: %s %+v", c.Name, got)
		}
		_, err = s.Update(ctx, "w1", c.ID, nil, json.RawMessage(`{"color":"red"}`), nil)
		if problem.As(err).Fields["settings.color"] == "" {
			t.Fatalf("bad colour: %v", err)
		}
		if _, err := s.Update(ctx, "w2", c.ID, &name, nil, nil); !problem.Is(err, problem.NotFound) {
			t.Fatalf("update from another workspace: %v", err)
		}
	})
}

func TestSecretsSealedKeptAndWiped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s := setup(t, d)
		if _, err := s.Create(ctx, "w1", "test_secret", "P", nil, nil); problem.As(err).Fields["token"] == "" {
			t.Fatalf("missing secret: %v", err)
		}
		c, err := s.Create(ctx, "w1", "test_secret", "P", nil, map[string]string{"token": "EAAG-very-secret"})
		if err != nil {
			t.Fatal(err)
		}
		row, _ := d.Q.GetChannelByID(ctx, c.ID)
		if strings.Contains(row.Secrets, "EAAG") || row.Secrets == "" {
			t.Fatalf("secret stored in the clear: %q", row.Secrets)
		}
		if b, _ := json.Marshal(c); strings.Contains(string(b), "EAAG") || strings.Contains(string(b), row.Secrets) {
			t.Fatalf("channel JSON carries the secret: %s", b)
		}
		name := "P2"
		c, err = s.Update(ctx, "w1", c.ID, &name, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sec, err := s.Secrets(c); err != nil || sec["token"] != "EAAG-very-secret" {
			t.Fatalf("secret not kept across an update: %v %v", sec, err)
		}
		if _, err := s.Lookup(ctx, c.ID); err != nil { // cached before the delete
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "w1", c.ID); err != nil {
			t.Fatal(err)
		}
		var sealed string
		if err := d.R.QueryRow("SELECT secrets FROM channels WHERE id = $1", c.ID).Scan(&sealed); err != nil || sealed != "" {
			t.Fatalf("secrets after delete: %q %v", sealed, err)
		}
		if _, err := s.Lookup(ctx, c.ID); !problem.Is(err, problem.NotFound) {
			t.Fatalf("deleted channel still found: %v", err)
		}
		if _, err := s.Create(ctx, "w1", "carrier_pigeon", "X", nil, nil); problem.As(err).Fields["type"] == "" {
			t.Fatalf("unknown type: %v", err)
		}
	})
}
