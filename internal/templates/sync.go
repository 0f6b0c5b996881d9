package templates

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"charla/internal/channel"
	"charla/internal/store"
	"charla/internal/store/db"
)

// SyncResult counts what a sync changed.
type SyncResult struct {
	Added    int       `json:"added"`
	Updated  int       `json:"updated"`
	Deleted  int       `json:"deleted"`
	SyncedAt time.Time `json:"synced_at"`
}

// Sync fetches every template of the channel from its provider and stores
// them: new ones added, changed ones updated, ones the provider no longer
// has marked DELETED (their rows stay). A provider error is recorded as the
// channel's last sync error and returned; nothing else changes.
func (s *Service) Sync(ctx context.Context, ws, channelID string) (SyncResult, error) {
	ch, err := s.channels.Get(ctx, ws, channelID)
	if err != nil {
		return SyncResult{}, err
	}
	return s.sync(ctx, ch)
}

func (s *Service) sync(ctx context.Context, ch channel.Channel) (SyncResult, error) {
	p, err := s.provider(ch)
	if err != nil {
		return SyncResult{}, err
	}
	secrets, err := s.channels.Secrets(ch)
	if err != nil {
		return SyncResult{}, err
	}
	// The list reflects the provider as of now; rows changed after this
	// (a status webhook, a submission) hold newer news and are left alone.
	began := store.Now()
	remotes, err := p.ListTemplates(ctx, ch, secrets)
	if err != nil {
		if rerr := s.recordFailure(ctx, ch.ID, err); rerr != nil {
			s.log.Error("record template sync failure", "channel", ch.ID, "err", rerr)
		}
		return SyncResult{}, err
	}
	res := SyncResult{SyncedAt: began}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Q.ChannelTemplates(ctx, ch.ID)
		if err != nil {
			return err
		}
		byKey := make(map[string]db.MessageTemplate, len(rows))
		for _, r := range rows {
			byKey[key(r.Name, r.Language)] = r
		}
		now := store.Now()
		seen := map[string]bool{}
		for _, rm := range remotes {
			k := key(rm.Name, rm.Language)
			if seen[k] || rm.Name == "" {
				continue
			}
			seen[k] = true
			next := s.rowOf(ch, rm, began)
			old, exists := byKey[k]
			switch {
			case exists && !old.UpdatedAt.Before(began):
				continue
			case exists && same(old, next):
				next.UpdatedAt = old.UpdatedAt
			case exists:
				res.Updated++
			default:
				res.Added++
			}
			if exists {
				next.ID, next.CreatedAt = old.ID, old.CreatedAt
			} else {
				id, _ := uuid.NewV7()
				next.ID, next.CreatedAt, next.UpdatedAt = id.String(), now, now
			}
			if next.UpdatedAt.IsZero() {
				next.UpdatedAt = now
			}
			if err := tx.Q.UpsertTemplate(ctx, db.UpsertTemplateParams(next)); err != nil {
				return err
			}
		}
		for k, r := range byKey {
			if seen[k] || r.Status == StatusDeleted || !r.UpdatedAt.Before(began) {
				continue
			}
			res.Deleted++
			err := tx.Q.MarkTemplateGone(ctx, db.MarkTemplateGoneParams{ID: r.ID, SyncBegan: began, Now: now})
			if err != nil {
				return err
			}
		}
		return tx.Q.TemplateSyncSucceeded(ctx, db.TemplateSyncSucceededParams{ChannelID: ch.ID,
			SyncedAt: sql.NullTime{Time: began, Valid: true}, UpdatedAt: now})
	})
	if err != nil {
		return SyncResult{}, err
	}
	return res, nil
}

func (s *Service) recordFailure(ctx context.Context, channelID string, cause error) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.TemplateSyncFailed(ctx, db.TemplateSyncFailedParams{ChannelID: channelID,
			LastError: cause.Error(), UpdatedAt: store.Now()})
	})
}

// rowOf is the row a remote template becomes (id and times set by the caller).
func (s *Service) rowOf(ch channel.Channel, rm Remote, syncedAt time.Time) db.MessageTemplate {
	var comps []Component
	raw := string(rm.Components)
	if err := json.Unmarshal(rm.Components, &comps); err != nil {
		if len(rm.Components) > 0 && string(rm.Components) != "null" {
			s.log.Warn("template components unreadable; stored empty", "channel", ch.ID, "template", rm.Name, "err", err)
		}
		comps, raw = nil, "[]"
	}
	body := ""
	for _, c := range comps {
		if c.Is("BODY") {
			body = c.Text
		}
	}
	return db.MessageTemplate{WorkspaceID: ch.WorkspaceID, ChannelID: ch.ID, ProviderID: rm.ProviderID,
		Name: rm.Name, Language: rm.Language, Category: upper(rm.Category), PreviousCategory: upper(rm.PreviousCategory),
		Status: upper(rm.Status), Quality: upper(rm.Quality), RejectedReason: reason(rm.RejectedReason),
		Components: raw, Body: body, SyncedAt: syncedAt}
}

// same tells whether a sync would change nothing a user sees.
func same(a, b db.MessageTemplate) bool {
	return a.ProviderID == b.ProviderID && a.Category == b.Category && a.PreviousCategory == b.PreviousCategory &&
		a.Status == b.Status && a.Quality == b.Quality && a.RejectedReason == b.RejectedReason &&
		jsonEqual(a.Components, b.Components)
}

func jsonEqual(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ax, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(ax) == string(by)
}

// reason is a rejection reason as stored: "" when the provider says NONE.
func reason(r string) string {
	r = strings.TrimSpace(r)
	if strings.EqualFold(r, "NONE") {
		return ""
	}
	return r
}

func key(name, language string) string { return name + "\x00" + language }
