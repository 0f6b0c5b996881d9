package channel

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"charla/internal/problem"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Channel is a configured channel of a workspace. Its secrets never leave this package unsealed
// except through Secrets, for the channel code that needs them.
type Channel struct {
	ID          string          `json:"id"`
	WorkspaceID string          `json:"-"`
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Settings    json.RawMessage `json:"settings"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	sealed      string
}

// Service creates, reads, updates and deletes channels.
type Service struct {
	db    *store.DB
	keys  *secret.Keys
	types *Registry
	// recent caches Lookup: webhooks and widget requests name their channel on
	// every call, and on SQLite each write makes readers re-read pages from disk.
	recent sync.Map // id -> cached
	// webhookMarks throttles TouchWebhook to one write per channel per second:
	// the view needs "when", not a write per message at thousands a second.
	webhookMarks sync.Map // id -> time.Time
}

type cached struct {
	ch      Channel
	expires time.Time
}

// lookupTTL bounds how long another instance's change to a channel (settings,
// deletion) may go unseen here; this instance's own changes apply at once.
const lookupTTL = 2 * time.Second

func NewService(d *store.DB, keys *secret.Keys, types *Registry) *Service {
	return &Service{db: d, keys: keys, types: types}
}

// Types is the registry this service validates against.
func (s *Service) Types() *Registry { return s.types }

// Create adds a channel of type typ after the type has validated its settings.
func (s *Service) Create(ctx context.Context, ws, typ, name string, settings json.RawMessage, secrets map[string]string) (Channel, error) {
	t, ok := s.types.Get(typ)
	if !ok {
		return Channel{}, problem.Field("type", "must be one of: "+strings.Join(s.types.Names(), ", "))
	}
	name, err := cleanName(name)
	if err != nil {
		return Channel{}, err
	}
	settings, secrets, err = t.Configure(settings, secrets, nil)
	if err != nil {
		return Channel{}, err
	}
	id, _ := uuid.NewV7()
	ch := Channel{ID: id.String(), WorkspaceID: ws, Type: typ, Name: name, Settings: settings}
	if err := activate(ctx, t, ch, secrets); err != nil {
		return Channel{}, err
	}
	sealed, err := s.seal(secrets)
	if err != nil {
		return Channel{}, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.CreateChannel(ctx, db.CreateChannelParams{ID: ch.ID, WorkspaceID: ws, Type: typ,
			Name: name, Settings: string(settings), Secrets: sealed, CreatedAt: store.Now()})
	})
	if err != nil {
		return Channel{}, err
	}
	return s.Get(ctx, ws, ch.ID)
}

// Get returns a live channel of workspace ws.
func (s *Service) Get(ctx context.Context, ws, id string) (Channel, error) {
	row, err := s.db.Q.GetChannel(ctx, db.GetChannelParams{WorkspaceID: ws, ID: id})
	if err != nil {
		return Channel{}, notFound(err)
	}
	return fromRow(row), nil
}

// Lookup returns a live channel by id alone, for webhooks and the widget, which learn
// the workspace from the channel.
func (s *Service) Lookup(ctx context.Context, id string) (Channel, error) {
	if v, ok := s.recent.Load(id); ok && time.Now().Before(v.(cached).expires) {
		return v.(cached).ch, nil
	}
	row, err := s.db.Q.GetChannelByID(ctx, id)
	if err != nil {
		s.recent.Delete(id)
		return Channel{}, notFound(err)
	}
	c := fromRow(row)
	s.recent.Store(id, cached{ch: c, expires: time.Now().Add(lookupTTL)})
	return c, nil
}

// List returns the live channels of ws.
func (s *Service) List(ctx context.Context, ws string) ([]Channel, error) {
	rows, err := s.db.Q.ListChannels(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := make([]Channel, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// Update renames and reconfigures a channel; nil settings keep the stored ones,
// and secrets not given keep their stored values.
func (s *Service) Update(ctx context.Context, ws, id string, name *string, settings json.RawMessage, secrets map[string]string) (Channel, error) {
	row, err := s.db.Q.GetChannel(ctx, db.GetChannelParams{WorkspaceID: ws, ID: id})
	if err != nil {
		return Channel{}, notFound(err)
	}
	t, ok := s.types.Get(row.Type)
	if !ok {
		return Channel{}, problem.New(problem.Conflict, "channel type %q is not served by this version of charla", row.Type)
	}
	if name != nil {
		if row.Name, err = cleanName(*name); err != nil {
			return Channel{}, err
		}
	}
	old := fromRow(row)
	stored, err := s.Secrets(old)
	if err != nil {
		return Channel{}, err
	}
	for k, v := range secrets {
		stored[k] = v
	}
	if settings, err = merge(old.Settings, settings); err != nil {
		return Channel{}, err
	}
	settings, stored, err = t.Configure(settings, stored, old.Settings)
	if err != nil {
		return Channel{}, err
	}
	next := old
	next.Name, next.Settings = row.Name, settings
	// The provider is told before anything is stored, outside the write
	// transaction (a network call must not hold SQLite's one writer).
	if err := activate(ctx, t, next, stored); err != nil {
		return Channel{}, err
	}
	sealed, err := s.seal(stored)
	if err != nil {
		return Channel{}, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Q.GetChannel(ctx, db.GetChannelParams{WorkspaceID: ws, ID: id})
		if err != nil {
			return notFound(err)
		}
		if !cur.UpdatedAt.Equal(row.UpdatedAt) {
			return problem.New(problem.Conflict, "the channel was changed meanwhile; reload and try again")
		}
		_, err = tx.Q.UpdateChannel(ctx, db.UpdateChannelParams{WorkspaceID: ws, ID: id, Name: row.Name,
			Settings: string(settings), Secrets: sealed, UpdatedAt: store.Now()})
		tx.AfterCommit(func() { s.recent.Delete(id) })
		return err
	})
	if err != nil {
		return Channel{}, err
	}
	return s.Get(ctx, ws, id)
}

func activate(ctx context.Context, t Type, ch Channel, secrets map[string]string) error {
	if a, ok := t.(Activator); ok {
		return a.Activate(ctx, ch, secrets)
	}
	return nil
}

// Delete retires a channel: its contacts and history stay, its secrets are wiped.
func (s *Service) Delete(ctx context.Context, ws, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.DeleteChannel(ctx, db.DeleteChannelParams{WorkspaceID: ws, ID: id, DeletedAt: sql.NullTime{Time: store.Now(), Valid: true}})
		if err == nil && n == 0 {
			return problem.NotFoundf("channel")
		}
		tx.AfterCommit(func() { s.recent.Delete(id) })
		return err
	})
}

// Secrets unseals a channel's secrets for the channel code that calls its provider.
func (s *Service) Secrets(c Channel) (map[string]string, error) {
	out := map[string]string{}
	if c.sealed == "" {
		return out, nil
	}
	raw, err := s.keys.Open(c.sealed)
	if err != nil {
		return nil, err
	}
	return out, json.Unmarshal(raw, &out)
}

func (s *Service) seal(secrets map[string]string) (string, error) {
	if len(secrets) == 0 {
		return "", nil
	}
	b, err := json.Marshal(secrets)
	if err != nil {
		return "", err
	}
	return s.keys.Seal(b), nil
}

// merge applies a partial settings update: top-level keys given replace the
// stored ones, keys left out keep their stored values.
func merge(stored, update json.RawMessage) (json.RawMessage, error) {
	if len(update) == 0 || string(update) == "null" {
		return stored, nil
	}
	var base, patch map[string]json.RawMessage
	if err := json.Unmarshal(update, &patch); err != nil {
		return nil, problem.Field("settings", "must be a JSON object")
	}
	if err := json.Unmarshal(stored, &base); err != nil || base == nil {
		base = map[string]json.RawMessage{}
	}
	for k, v := range patch {
		base[k] = v
	}
	return json.Marshal(base)
}

func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", problem.Field("name", "is required, at most 100 characters")
	}
	return name, nil
}

func notFound(err error) error {
	if store.NotFound(err) == store.ErrNotFound {
		return problem.NotFoundf("channel")
	}
	return err
}

func fromRow(r db.Channel) Channel {
	return Channel{ID: r.ID, WorkspaceID: r.WorkspaceID, Type: r.Type, Name: r.Name,
		Settings: json.RawMessage(r.Settings), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, sealed: r.Secrets}
}
