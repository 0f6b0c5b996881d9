package businessprofile

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"time"

	"charla/internal/channel"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Provider is implemented by channel types whose numbers have a business
// profile (the WhatsApp types).
type Provider interface {
	BusinessProfile(ctx context.Context, ch channel.Channel, secrets map[string]string) (Profile, error)
	// UpdateBusinessProfile sends every field of p (nil: none), and photo,
	// when not nil, a JPEG from Photo to set as the profile picture.
	UpdateBusinessProfile(ctx context.Context, ch channel.Channel, secrets map[string]string, p *Profile, photo []byte) error
	// ProfileLimits are the provider's documented lengths.
	ProfileLimits() Limits
}

// Stored is the profile as charla last read it from the provider.
type Stored struct {
	Profile  Profile   `json:"profile"`
	SyncedAt time.Time `json:"synced_at"`
	// Limits let a form show the provider's lengths.
	Limits Limits `json:"-"`
}

// MaxPhotoBytes bounds an uploaded photo before it is processed.
const MaxPhotoBytes = 10 << 20

// Service reads and edits business profiles through their channel's
// provider, keeping the last copy read so pages don't call the provider.
type Service struct {
	db       *store.DB
	channels *channel.Service
}

func New(d *store.DB, channels *channel.Service) *Service {
	return &Service{db: d, channels: channels}
}

// Get returns the stored profile, reading it from the provider the first time.
func (s *Service) Get(ctx context.Context, ws, channelID string) (Stored, error) {
	ch, p, secrets, err := s.provider(ctx, ws, channelID)
	if err != nil {
		return Stored{}, err
	}
	row, err := s.db.Q.GetBusinessProfile(ctx, ch.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return s.sync(ctx, ch, p, secrets)
	}
	if err != nil {
		return Stored{}, err
	}
	var prof Profile
	if err := json.Unmarshal([]byte(row.Profile), &prof); err != nil {
		return Stored{}, err
	}
	return Stored{Profile: prof, SyncedAt: row.SyncedAt.UTC(), Limits: p.ProfileLimits()}, nil
}

// Sync reads the profile from the provider now.
func (s *Service) Sync(ctx context.Context, ws, channelID string) (Stored, error) {
	ch, p, secrets, err := s.provider(ctx, ws, channelID)
	if err != nil {
		return Stored{}, err
	}
	return s.sync(ctx, ch, p, secrets)
}

// Update validates next against WhatsApp's rules and the profile as the
// provider has it now, sends it, and stores what the provider then reports.
// Nothing is sent when a rule fails, and nothing local changes when the
// provider refuses.
func (s *Service) Update(ctx context.Context, ws, channelID string, next Profile) (Stored, error) {
	ch, p, secrets, err := s.provider(ctx, ws, channelID)
	if err != nil {
		return Stored{}, err
	}
	current, err := p.BusinessProfile(ctx, ch, secrets)
	if err != nil {
		return Stored{}, err
	}
	next = Clean(next)
	if err := Validate(next, Clean(current), p.ProfileLimits()); err != nil {
		return Stored{}, err
	}
	if err := p.UpdateBusinessProfile(ctx, ch, secrets, &next, nil); err != nil {
		return Stored{}, err
	}
	return s.sync(ctx, ch, p, secrets)
}

// SetPhoto makes r (a JPEG or PNG) the profile picture: upright, cropped
// and resized to what WhatsApp shows. Only the picture changes.
func (s *Service) SetPhoto(ctx context.Context, ws, channelID string, r io.Reader) (Stored, error) {
	photo, err := Photo(r, MaxPhotoBytes)
	if err != nil {
		return Stored{}, err
	}
	ch, p, secrets, err := s.provider(ctx, ws, channelID)
	if err != nil {
		return Stored{}, err
	}
	if err := p.UpdateBusinessProfile(ctx, ch, secrets, nil, photo); err != nil {
		return Stored{}, err
	}
	return s.sync(ctx, ch, p, secrets)
}

func (s *Service) sync(ctx context.Context, ch channel.Channel, p Provider, secrets map[string]string) (Stored, error) {
	prof, err := p.BusinessProfile(ctx, ch, secrets)
	if err != nil {
		return Stored{}, err
	}
	b, err := json.Marshal(prof)
	if err != nil {
		return Stored{}, err
	}
	now := store.Now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.PutBusinessProfile(ctx, db.PutBusinessProfileParams{ChannelID: ch.ID, Profile: string(b), SyncedAt: now})
	})
	if err != nil {
		return Stored{}, err
	}
	return Stored{Profile: prof, SyncedAt: now.UTC(), Limits: p.ProfileLimits()}, nil
}

// provider finds channelID's type as a Provider, with its secrets.
func (s *Service) provider(ctx context.Context, ws, channelID string) (channel.Channel, Provider, map[string]string, error) {
	ch, err := s.channels.Get(ctx, ws, channelID)
	if err != nil {
		return channel.Channel{}, nil, nil, err
	}
	t, _ := s.channels.Types().Get(ch.Type)
	p, ok := t.(Provider)
	if !ok {
		return channel.Channel{}, nil, nil, problem.New(problem.Conflict, "a %s channel has no business profile", ch.Type)
	}
	secrets, err := s.channels.Secrets(ch)
	if err != nil {
		return channel.Channel{}, nil, nil, err
	}
	return ch, p, secrets, nil
}
