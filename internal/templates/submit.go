package templates

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Submit checks s, uploads a media header's sample, creates the template at
// the provider and stores it with the status the provider gave (usually
// PENDING). Nothing reaches the provider unless every rule passes.
func (s *Service) Submit(ctx context.Context, ws, channelID string, sub Submission) (Template, error) {
	ch, err := s.channels.Get(ctx, ws, channelID)
	if err != nil {
		return Template{}, err
	}
	p, err := s.provider(ch)
	if err != nil {
		return Template{}, err
	}
	if err := Validate(sub); err != nil {
		return Template{}, err
	}
	existing, err := s.db.Q.TemplateByKey(ctx, db.TemplateByKeyParams{ChannelID: ch.ID, Name: sub.Name, Language: sub.Language})
	if err == nil && existing.Status != StatusDeleted {
		return Template{}, problem.Field("name", fmt.Sprintf("this channel already has a template %s in %s", sub.Name, sub.Language))
	}
	if err != nil && store.NotFound(err) != store.ErrNotFound {
		return Template{}, err
	}
	secrets, err := s.channels.Secrets(ch)
	if err != nil {
		return Template{}, err
	}
	if h := sub.Header; h != nil && h.File != nil && upper(sub.Category) != CategoryAuthentication {
		hc := *h
		hc.Handle, err = p.UploadSample(ctx, ch, secrets, h.File.Filename, sniff(h.File.Data), h.File.Data)
		if err != nil {
			return Template{}, err
		}
		sub.Header = &hc
	}
	rm, err := p.CreateTemplate(ctx, ch, secrets, sub)
	if err != nil {
		return Template{}, err
	}
	comps := sub.Components()
	raw, err := json.Marshal(comps)
	if err != nil {
		return Template{}, err
	}
	status, category := upper(rm.Status), upper(rm.Category)
	if status == "" {
		status = StatusPending
	}
	if category == "" {
		category = upper(sub.Category)
	}
	id, _ := uuid.NewV7()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Q.InsertSubmittedTemplate(ctx, db.InsertSubmittedTemplateParams{ID: id.String(), WorkspaceID: ws,
			ChannelID: ch.ID, ProviderID: rm.ProviderID, Name: sub.Name, Language: sub.Language, Category: category,
			Status: status, Components: string(raw), Body: sub.Body.Text, CreatedAt: store.Now()})
		return err
	})
	if err != nil {
		return Template{}, err
	}
	r, err := s.db.Q.TemplateByKey(ctx, db.TemplateByKeyParams{ChannelID: ch.ID, Name: sub.Name, Language: sub.Language})
	if err != nil {
		return Template{}, err
	}
	return fromRow(r), nil
}

// Delete deletes one language of a template at the provider, then marks it
// DELETED here; a template without a provider id can only be deleted by
// name, which deletes all its languages. When the provider refuses, nothing
// changes here.
func (s *Service) Delete(ctx context.Context, ws, id string) error {
	t, err := s.Get(ctx, ws, id)
	if err != nil {
		return err
	}
	if t.Status == StatusDeleted {
		return problem.New(problem.Conflict, "template %s in %s is already deleted", t.Name, t.Language)
	}
	ch, err := s.channels.Get(ctx, ws, t.ChannelID)
	if err != nil {
		return err
	}
	p, err := s.provider(ch)
	if err != nil {
		return err
	}
	secrets, err := s.channels.Secrets(ch)
	if err != nil {
		return err
	}
	if err := p.DeleteTemplate(ctx, ch, secrets, t.Name, t.ProviderID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if t.ProviderID == "" {
			return tx.Q.MarkTemplatesNamedDeleted(ctx, db.MarkTemplatesNamedDeletedParams{ChannelID: t.ChannelID,
				Name: t.Name, UpdatedAt: store.Now()})
		}
		return tx.Q.SetTemplateStatus(ctx, db.SetTemplateStatusParams{ID: t.ID, Status: StatusDeleted,
			RejectedReason: t.RejectedReason, UpdatedAt: store.Now()})
	})
}
