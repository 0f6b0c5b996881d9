package api

import (
	"encoding/json"
	"html"
	"strconv"
	"time"

	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/templates"
)

// The types below are the spec's response schemas. Domain types are mapped
// field by field rather than serialised directly, so a change in a service's
// JSON tags cannot silently change the API.

// list is every list response.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func listOf[S, T any](items []S, next *string, conv func(S) T) list[T] {
	out := list[T]{Data: make([]T, len(items)), NextCursor: next}
	for i, it := range items {
		out.Data[i] = conv(it)
	}
	return out
}

// timestamp is RFC 3339 in UTC; PostgreSQL hands times back in the session's zone.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func optTimestamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timestamp(*t)
	return &s
}

// optString maps the services' "" for "none" to the spec's null.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type contactJSON struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Email      string         `json:"email"`
	Phone      string         `json:"phone"`
	Attributes map[string]any `json:"attributes"`
	Tags       []string       `json:"tags"`
	Identities []identityJSON `json:"identities"`
	CreatedAt  string         `json:"created_at"`
	UpdatedAt  string         `json:"updated_at"`
}

type identityJSON struct {
	ChannelID  string `json:"channel_id"`
	ExternalID string `json:"external_id"`
}

func contactOut(c contacts.Contact) contactJSON {
	out := contactJSON{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Attributes: c.Attributes,
		Tags: nonNil(c.Tags), Identities: make([]identityJSON, len(c.Identities)),
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt)}
	if out.Attributes == nil {
		out.Attributes = map[string]any{}
	}
	for i, id := range c.Identities {
		out.Identities[i] = identityJSON{ChannelID: id.ChannelID, ExternalID: id.ExternalID}
	}
	return out
}

type conversationJSON struct {
	ID                 string                  `json:"id"`
	Status             string                  `json:"status"`
	ChannelID          string                  `json:"channel_id"`
	Contact            conversationContactJSON `json:"contact"`
	AssigneeID         *string                 `json:"assignee_id"`
	TeamID             *string                 `json:"team_id"`
	UnreadCount        int                     `json:"unread_count"`
	BotPaused          bool                    `json:"bot_paused"`
	LastActivityAt     string                  `json:"last_activity_at"`
	LastMessagePreview string                  `json:"last_message_preview"`
	SnoozedUntil       *string                 `json:"snoozed_until"`
	WindowClosesAt     *string                 `json:"window_closes_at"`
	Referral           map[string]string       `json:"referral"`
	CreatedAt          string                  `json:"created_at"`
}

type conversationContactJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

func conversationOut(c inbox.Conversation) conversationJSON {
	return conversationJSON{
		ID: c.ID, Status: c.Status, ChannelID: c.ChannelID,
		Contact:    conversationContactJSON{ID: c.Contact.ID, Name: c.Contact.Name, Email: c.Contact.Email, Phone: c.Contact.Phone},
		AssigneeID: c.AssigneeID, TeamID: c.TeamID, UnreadCount: c.UnreadCount, BotPaused: c.BotPaused,
		LastActivityAt: timestamp(c.LastActivityAt), LastMessagePreview: c.LastMessagePreview,
		SnoozedUntil: optTimestamp(c.SnoozedUntil), WindowClosesAt: optTimestamp(c.WindowClosesAt()),
		Referral: c.Referral, CreatedAt: timestamp(c.CreatedAt),
	}
}

type messageJSON struct {
	ID                string           `json:"id"`
	ConversationID    string           `json:"conversation_id"`
	Direction         string           `json:"direction"`
	Sender            senderJSON       `json:"sender"`
	Kind              string           `json:"kind"`
	Body              string           `json:"body"`
	Content           *content.Content `json:"content"`
	ReplyTo           *quoteJSON       `json:"reply_to"`
	Status            string           `json:"status"`
	Error             *messageErrJSON  `json:"error"`
	Attachments       []attachmentJSON `json:"attachments"`
	ProviderMessageID *string          `json:"provider_message_id"`
	PricingCategory   *string          `json:"pricing_category"`
	CreatedAt         string           `json:"created_at"`
}

type senderJSON struct {
	Type string  `json:"type"`
	ID   *string `json:"id"`
	Name string  `json:"name"`
}

type messageErrJSON struct {
	Code    string `json:"code"`
	Title   string `json:"title"`
	Details string `json:"details"`
	Reason  string `json:"reason"`
	// Action names what charla offers to fix it: "sync_templates" when the
	// provider does not have the template (WhatsApp 132001).
	Action string `json:"action,omitempty"`
}

// quoteJSON is the message a reply quotes.
type quoteJSON struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	Kind      string `json:"kind"`
	Body      string `json:"body"`
}

type attachmentJSON struct {
	ID          string  `json:"id"`
	Filename    string  `json:"filename"`
	ContentType string  `json:"content_type"`
	Size        int64   `json:"size"`
	URL         string  `json:"url"`
	Status      string  `json:"status"`
	Error       *string `json:"error"`
}

// actionSyncTemplates is MessageError's action when syncing the channel's
// templates may explain or fix the failure.
const actionSyncTemplates = "sync_templates"

func (a *server) messageOut(m inbox.Message) messageJSON {
	out := messageJSON{ID: m.ID, ConversationID: m.ConversationID, Direction: m.Direction,
		Sender: senderJSON{Type: m.Sender.Type, ID: optString(m.Sender.ID), Name: m.Sender.Name},
		Kind:   m.Kind, Body: m.Body, Content: m.Content, Status: m.Status,
		Attachments:       make([]attachmentJSON, len(m.Attachments)),
		ProviderMessageID: optString(m.ProviderMessageID), PricingCategory: optString(m.PricingCategory),
		CreatedAt: timestamp(m.CreatedAt)}
	if out.Kind == "" {
		out.Kind = content.KindText
	}
	// Notes are stored as "sent", but they go to no one; the spec reports
	// them, like incoming messages, as delivered.
	if m.Direction == inbox.Note {
		out.Status = inbox.Delivered
	}
	if q := m.ReplyTo; q != nil {
		out.ReplyTo = &quoteJSON{ID: q.ID, Direction: q.Direction, Kind: q.Kind, Body: q.Body}
		if out.ReplyTo.Kind == "" {
			out.ReplyTo.Kind = content.KindText
		}
	}
	if e := m.Error; e != nil {
		out.Error = &messageErrJSON{Code: e.Code, Title: e.Title, Details: e.Details, Reason: e.Reason}
		if e.Code == strconv.Itoa(templates.ErrTemplateMissing) {
			out.Error.Action = actionSyncTemplates
		}
	}
	for i, at := range m.Attachments {
		out.Attachments[i] = attachmentJSON{ID: at.ID, Filename: at.Filename, ContentType: at.ContentType,
			Size: at.Size, URL: a.attachmentURL(at.ID), Status: at.Status, Error: optString(at.Error)}
		if at.Status == "" {
			out.Attachments[i].Status = inbox.AttachmentReady
		}
	}
	return out
}

// attachmentURL points at the API's own download route rather than the web
// UI's: API clients hold a bearer token, not a session cookie.
func (a *server) attachmentURL(id string) string {
	return a.s.Config.BaseURL + Prefix + "/attachments/" + id
}

type channelJSON struct {
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	Name         string          `json:"name"`
	Settings     json.RawMessage `json:"settings"`
	Setup        []setupJSON     `json:"setup"`
	WidgetScript *string         `json:"widget_script"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
}

// setupJSON is one value an admin pastes at the provider.
type setupJSON struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

func (a *server) channelOut(c channel.Channel) channelJSON {
	out := channelJSON{ID: c.ID, Type: c.Type, Name: c.Name, Settings: c.Settings, Setup: []setupJSON{},
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt)}
	switch c.Type {
	case webchat.TypeName:
		// Round-trip through the settings type so every field the spec
		// requires is present even for rows written by older versions.
		if b, err := json.Marshal(webchat.Parse(c.Settings)); err == nil {
			out.Settings = b
		}
		s := `<script src="` + html.EscapeString(a.s.Config.BaseURL+"/widget.js") +
			`" data-channel="` + html.EscapeString(c.ID) + `" async></script>`
		out.WidgetScript = &s
	case typeWhatsAppCloud, type360dialog:
		out.Settings = whatsAppSettingsOut(c.Type, c.Settings)
	}
	if len(out.Settings) == 0 || !json.Valid(out.Settings) {
		out.Settings = json.RawMessage("{}")
	}
	for _, it := range a.s.Channels.SetupItems(c) {
		out.Setup = append(out.Setup, setupJSON{Label: it.Label, Value: it.Value})
	}
	return out
}

// healthJSON is the spec's ChannelHealth.
type healthJSON struct {
	LastWebhookAt  *string     `json:"last_webhook_at"`
	LastError      *string     `json:"last_error"`
	LastErrorAt    *string     `json:"last_error_at"`
	CheckedAt      *string     `json:"checked_at"`
	Number         *numberJSON `json:"number"`
	Initiated24h   int         `json:"initiated_24h"`
	InitiatedLimit *int        `json:"initiated_limit"`
}

type numberJSON struct {
	DisplayNumber  string `json:"display_number"`
	VerifiedName   string `json:"verified_name"`
	QualityRating  string `json:"quality_rating"`
	MessagingLimit string `json:"messaging_limit"`
}

func healthOut(h channel.Health, initiated int) healthJSON {
	out := healthJSON{LastWebhookAt: optTimestamp(h.LastWebhookAt), LastError: optString(h.LastError),
		LastErrorAt: optTimestamp(h.LastErrorAt), CheckedAt: optTimestamp(h.CheckedAt), Initiated24h: initiated}
	if n := h.Number; n != nil {
		out.Number = &numberJSON{DisplayNumber: n.DisplayNumber, VerifiedName: n.VerifiedName,
			QualityRating: n.QualityRating, MessagingLimit: n.MessagingLimit}
		// The service's 0 is "unknown" and -1 "unlimited": both have no number to show.
		if n.Limit > 0 {
			limit := n.Limit
			out.InitiatedLimit = &limit
		}
	}
	return out
}
