package templates

import (
	"context"
	"encoding/json"

	"charla/internal/channel"
)

// Provider is implemented by the channel types whose provider keeps message
// templates (the WhatsApp Cloud API and 360dialog types). The service finds
// it by asserting a channel's registered type.
type Provider interface {
	// ListTemplates returns every template of the channel's account,
	// following every page.
	ListTemplates(ctx context.Context, ch channel.Channel, secrets map[string]string) ([]Remote, error)
	// CreateTemplate submits s (body: s.CreateRequest()) and returns at least
	// the provider's id, status and category.
	CreateTemplate(ctx context.Context, ch channel.Channel, secrets map[string]string, s Submission) (Remote, error)
	// DeleteTemplate deletes one language of a template (providerID set) or
	// all its languages (providerID "").
	DeleteTemplate(ctx context.Context, ch channel.Channel, secrets map[string]string, name, providerID string) error
	// UploadSample uploads a media header's sample file through the
	// resumable upload API and returns its handle for example.header_handle.
	UploadSample(ctx context.Context, ch channel.Channel, secrets map[string]string, filename, mimeType string, data []byte) (handle string, err error)
}

// Remote is a template as the provider reports it.
type Remote struct {
	ProviderID       string
	Name             string
	Language         string
	Category         string
	PreviousCategory string
	Status           string
	Quality          string
	RejectedReason   string
	// Components are Meta's component array as received.
	Components json.RawMessage
}

// StatusUpdate is a message_template_status_update webhook: the template
// (by ProviderID, or by Name and Language) now has status Event.
type StatusUpdate struct {
	ProviderID string
	Name       string
	Language   string
	// Event is the new status (APPROVED, REJECTED, PAUSED …).
	Event string
	// Reason is the rejection reason; "NONE" means none.
	Reason string
	// Category is the template's category when the webhook names it.
	Category string
}

// CategoryUpdate is a template_category_update webhook.
type CategoryUpdate struct {
	ProviderID       string
	Name             string
	Language         string
	Category         string
	PreviousCategory string
}

// QualityUpdate is a message_template_quality_update webhook.
type QualityUpdate struct {
	ProviderID string
	Name       string
	Language   string
	// Quality is the new score (GREEN, YELLOW, RED, UNKNOWN).
	Quality string
}
