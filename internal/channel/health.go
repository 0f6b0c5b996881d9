package channel

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Health is what charla last learned about a channel, for the troubleshooting view.
type Health struct {
	LastWebhookAt *time.Time `json:"last_webhook_at"`
	LastError     string     `json:"last_error"`
	LastErrorAt   *time.Time `json:"last_error_at"`
	// Number is the provider's view of the number, from the last check or
	// account webhook (nil: never checked).
	Number    *NumberInfo `json:"number"`
	CheckedAt *time.Time  `json:"checked_at"`
}

// NumberInfo describes a phone number as its provider sees it.
type NumberInfo struct {
	DisplayNumber string `json:"display_number"`
	VerifiedName  string `json:"verified_name"`
	// QualityRating is GREEN, YELLOW, RED or UNKNOWN.
	QualityRating string `json:"quality_rating"`
	// MessagingLimit is the provider's tier name (TIER_250 …, TIER_UNLIMITED).
	MessagingLimit string `json:"messaging_limit"`
	// Limit is how many unique contacts the business may start conversations
	// with in a rolling 24 hours (0: unknown; -1: unlimited).
	Limit int `json:"limit"`
}

// Checker is implemented by types that can ask the provider about a channel
// ("Check connection").
type Checker interface {
	Check(ctx context.Context, ch Channel, secrets map[string]string) (NumberInfo, error)
}

// SetupGuide is implemented by types that give an admin values to paste
// at the provider (a callback URL, a verify token).
type SetupGuide interface {
	Setup(ch Channel) []SetupItem
}

// SetupItem is one labelled value to show an admin.
type SetupItem struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Health returns what charla knows of channel id's connection.
func (s *Service) Health(ctx context.Context, ws, id string) (Health, error) {
	if _, err := s.Get(ctx, ws, id); err != nil {
		return Health{}, err
	}
	row, err := s.db.Q.GetChannelHealth(ctx, id)
	if store.NotFound(err) == store.ErrNotFound {
		return Health{}, nil
	}
	if err != nil {
		return Health{}, err
	}
	h := Health{LastWebhookAt: timePtr(row.LastWebhookAt), LastError: row.LastError, LastErrorAt: timePtr(row.LastErrorAt),
		CheckedAt: timePtr(row.CheckedAt)}
	if row.Info != "" {
		var n NumberInfo
		if json.Unmarshal([]byte(row.Info), &n) == nil {
			h.Number = &n
		}
	}
	return h, nil
}

// Check asks the provider about the channel, stores the answer and returns
// the health; a failure is recorded as the channel's last error.
func (s *Service) Check(ctx context.Context, ws, id string) (Health, error) {
	ch, err := s.Get(ctx, ws, id)
	if err != nil {
		return Health{}, err
	}
	t, _ := s.types.Get(ch.Type)
	c, ok := t.(Checker)
	if !ok {
		return Health{}, problem.New(problem.Conflict, "a %s channel has no connection to check", ch.Type)
	}
	secrets, err := s.Secrets(ch)
	if err != nil {
		return Health{}, err
	}
	info, err := c.Check(ctx, ch, secrets)
	if err != nil {
		_ = s.RecordError(ctx, id, err.Error())
		return Health{}, err
	}
	if err := s.RecordNumber(ctx, id, info); err != nil {
		return Health{}, err
	}
	return s.Health(ctx, ws, id)
}

// RecordNumber stores the provider's view of the number (from a check or a webhook).
func (s *Service) RecordNumber(ctx context.Context, id string, info NumberInfo) error {
	b, _ := json.Marshal(info)
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.SetChannelInfo(ctx, db.SetChannelInfoParams{ChannelID: id, Info: string(b), CheckedAt: nullTime(store.Now())})
	})
}

// RecordError keeps a channel's latest problem for the troubleshooting view.
func (s *Service) RecordError(ctx context.Context, id, msg string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.SetChannelError(ctx, db.SetChannelErrorParams{ChannelID: id, LastError: msg, LastErrorAt: nullTime(store.Now())})
	})
}

// TouchWebhook records that a webhook for channel id arrived.
func (s *Service) TouchWebhook(ctx context.Context, id string) error {
	now := time.Now()
	if last, ok := s.webhookMarks.Load(id); ok && now.Sub(last.(time.Time)) < time.Second {
		return nil
	}
	s.webhookMarks.Store(id, now)
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.TouchChannelWebhook(ctx, db.TouchChannelWebhookParams{ChannelID: id, LastWebhookAt: nullTime(store.Now())})
	})
}

// SetupItems lists what an admin pastes at the provider for ch (nil for types with none).
func (s *Service) SetupItems(ch Channel) []SetupItem {
	t, _ := s.types.Get(ch.Type)
	if g, ok := t.(SetupGuide); ok {
		return g.Setup(ch)
	}
	return nil
}

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: true} }

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
