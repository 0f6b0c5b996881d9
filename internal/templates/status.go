package templates

import (
	"context"
	"time"

	"charla/internal/store"
	"charla/internal/store/db"
)

// ApplyStatus records a message_template_status_update webhook. When the
// channel has no such template (created elsewhere, or not yet synced) it
// enqueues a sync of the channel instead, so the webhook is answered at once.
func (s *Service) ApplyStatus(ctx context.Context, channelID string, u StatusUpdate) error {
	return s.apply(ctx, channelID, u.ProviderID, u.Name, u.Language, func(tx *store.Tx, r db.MessageTemplate, now time.Time) error {
		status := upper(u.Event)
		if status == "" {
			status = r.Status
		}
		err := tx.Q.SetTemplateStatus(ctx, db.SetTemplateStatusParams{ID: r.ID, Status: status,
			RejectedReason: reason(u.Reason), UpdatedAt: now})
		if err != nil {
			return err
		}
		if c := upper(u.Category); c != "" && c != r.Category {
			return tx.Q.SetTemplateCategory(ctx, db.SetTemplateCategoryParams{ID: r.ID, Category: c,
				PreviousCategory: r.Category, UpdatedAt: now})
		}
		return nil
	})
}

// ApplyCategory records a template_category_update webhook (Meta filed the
// template under another category).
func (s *Service) ApplyCategory(ctx context.Context, channelID string, u CategoryUpdate) error {
	return s.apply(ctx, channelID, u.ProviderID, u.Name, u.Language, func(tx *store.Tx, r db.MessageTemplate, now time.Time) error {
		previous := upper(u.PreviousCategory)
		if previous == "" {
			previous = r.Category
		}
		return tx.Q.SetTemplateCategory(ctx, db.SetTemplateCategoryParams{ID: r.ID, Category: upper(u.Category),
			PreviousCategory: previous, UpdatedAt: now})
	})
}

// ApplyQuality records a message_template_quality_update webhook.
func (s *Service) ApplyQuality(ctx context.Context, channelID string, u QualityUpdate) error {
	return s.apply(ctx, channelID, u.ProviderID, u.Name, u.Language, func(tx *store.Tx, r db.MessageTemplate, now time.Time) error {
		return tx.Q.SetTemplateQuality(ctx, db.SetTemplateQualityParams{ID: r.ID, Quality: upper(u.Quality), UpdatedAt: now})
	})
}

// apply finds the template a webhook names (by provider id, else by name and
// language) and changes it with f. When there is none, or the row found by
// name belongs to another provider id (the template was re-created), the
// channel is synced instead.
func (s *Service) apply(ctx context.Context, channelID, providerID, name, language string,
	f func(tx *store.Tx, r db.MessageTemplate, now time.Time) error) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		r, err := tx.Q.TemplateByProviderID(ctx, db.TemplateByProviderIDParams{ChannelID: channelID, ProviderID: providerID})
		if store.NotFound(err) == store.ErrNotFound && name != "" {
			r, err = tx.Q.TemplateByKey(ctx, db.TemplateByKeyParams{ChannelID: channelID, Name: name, Language: language})
			if err == nil && providerID != "" && r.ProviderID != "" && r.ProviderID != providerID {
				return s.enqueueSyncTx(ctx, tx, channelID)
			}
		}
		if store.NotFound(err) == store.ErrNotFound {
			return s.enqueueSyncTx(ctx, tx, channelID)
		}
		if err != nil {
			return err
		}
		return f(tx, r, store.Now())
	})
}
