// Package templates keeps WhatsApp message templates: the model in Meta's
// shape, the rules a new template must pass before it reaches the provider,
// sync with the provider (on demand, periodically and from status webhooks),
// and rendering a template with its variables into a message to send.
//
// The provider calls themselves belong to the channel types that implement
// Provider; this package knows no wire format beyond Meta's component shape.
package templates

import (
	"strings"
	"time"

	"charla/internal/problem"
)

// Statuses the provider reports (and DELETED, which charla sets when a
// template is no longer at the provider). Others (IN_APPEAL,
// PENDING_DELETION, LIMIT_EXCEEDED …) are stored and shown as reported.
const (
	StatusApproved = "APPROVED"
	StatusPending  = "PENDING"
	StatusRejected = "REJECTED"
	StatusPaused   = "PAUSED"
	StatusDisabled = "DISABLED"
	StatusDeleted  = "DELETED"
)

// Categories a template may be submitted in.
const (
	CategoryMarketing      = "MARKETING"
	CategoryUtility        = "UTILITY"
	CategoryAuthentication = "AUTHENTICATION"
)

// Template is one template in one language on one channel, as the provider
// last reported it. It is also the REST API's shape.
type Template struct {
	ID               string `json:"id"`
	ChannelID        string `json:"channel_id"`
	ProviderID       string `json:"provider_id"`
	Name             string `json:"name"`
	Language         string `json:"language"`
	Category         string `json:"category"`
	PreviousCategory string `json:"previous_category"`
	Status           string `json:"status"`
	// Quality is the provider's quality score (GREEN, YELLOW, RED, UNKNOWN; "" when not reported).
	Quality string `json:"quality"`
	// RejectedReason is why the provider rejected the template ("" when it gave none).
	RejectedReason string      `json:"rejected_reason"`
	Components     []Component `json:"components"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	// SyncedAt is when the provider last reported the template.
	SyncedAt time.Time `json:"synced_at"`
}

// Component returns the first component of type typ (HEADER, BODY, FOOTER,
// BUTTONS), or nil.
func (t Template) Component(typ string) *Component {
	for i := range t.Components {
		if t.Components[i].Is(typ) {
			return &t.Components[i]
		}
	}
	return nil
}

// BodyText is the body's text with its variables as written ("" when none).
func (t Template) BodyText() string {
	if c := t.Component("BODY"); c != nil {
		return c.Text
	}
	return ""
}

// Buttons are the template's buttons in order (their index is their position).
func (t Template) Buttons() []Button {
	if c := t.Component("BUTTONS"); c != nil {
		return c.Buttons
	}
	return nil
}

// Approved tells whether the template may be sent.
func (t Template) Approved() bool { return t.Status == StatusApproved }

// Sendable is nil for an approved template, else a 422 on "template" that
// says why it can't be sent and what to do.
func (t Template) Sendable() error {
	if t.Approved() {
		return nil
	}
	return problem.Field("template", refusal(t))
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
