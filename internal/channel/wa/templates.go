package wa

import (
	"context"
	"encoding/json"

	"charla/internal/channel"
	"charla/internal/channel/whatsapp"
	"charla/internal/templates"
)

// The WhatsApp types keep message templates at the provider: these
// methods make them a templates.Provider.

func (t *Type) ListTemplates(ctx context.Context, ch channel.Channel, secrets map[string]string) ([]templates.Remote, error) {
	recs, err := t.client(ch, secrets).ListTemplates(ctx)
	if err != nil {
		return nil, providerProblem("Reading the templates from WhatsApp failed", err)
	}
	out := make([]templates.Remote, len(recs))
	for i, r := range recs {
		out[i] = templates.Remote{ProviderID: r.ID, Name: r.Name, Language: r.Language, Category: r.Category,
			PreviousCategory: r.PreviousCategory, Status: r.Status, Quality: r.QualityScore,
			RejectedReason: r.RejectedReason, Components: r.Components}
	}
	return out, nil
}

func (t *Type) CreateTemplate(ctx context.Context, ch channel.Channel, secrets map[string]string, s templates.Submission) (templates.Remote, error) {
	req := s.CreateRequest()
	comps, err := json.Marshal(req.Components)
	if err != nil {
		return templates.Remote{}, err
	}
	created, err := t.client(ch, secrets).CreateTemplate(ctx, whatsapp.NewTemplate{Name: req.Name, Language: req.Language,
		Category: req.Category, AllowCategoryChange: req.AllowCategoryChange, Components: comps})
	if err != nil {
		return templates.Remote{}, providerProblem("WhatsApp refused the template", err)
	}
	return templates.Remote{ProviderID: created.ID, Name: req.Name, Language: req.Language,
		Category: firstOf(created.Category, req.Category), Status: created.Status, Components: comps}, nil
}

func (t *Type) DeleteTemplate(ctx context.Context, ch channel.Channel, secrets map[string]string, name, providerID string) error {
	if err := t.client(ch, secrets).DeleteTemplate(ctx, name, providerID); err != nil {
		return providerProblem("WhatsApp refused to delete the template", err)
	}
	return nil
}

func (t *Type) UploadSample(ctx context.Context, ch channel.Channel, secrets map[string]string, filename, mimeType string, data []byte) (string, error) {
	h, err := t.client(ch, secrets).ResumableUpload(ctx, filename, mimeType, data)
	if err != nil {
		return "", providerProblem("Uploading the sample to WhatsApp failed", err)
	}
	return h, nil
}
