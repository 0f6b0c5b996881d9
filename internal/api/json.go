package api

import (
	"encoding/json"
	"html"
	"time"

	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/contacts"
	"charla/internal/inbox"
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
		SnoozedUntil: optTimestamp(c.SnoozedUntil), CreatedAt: timestamp(c.CreatedAt),
	}
}

type messageJSON struct {
	ID                string           `json:"id"`
	ConversationID    string           `json:"conversation_id"`
	Direction         string           `json:"direction"`
	Sender            senderJSON       `json:"sender"`
	Body              string           `json:"body"`
	Status            string           `json:"status"`
	Error             *messageErrJSON  `json:"error"`
	Attachments       []attachmentJSON `json:"attachments"`
	ProviderMessageID *string          `json:"provider_message_id"`
	CreatedAt         string           `json:"created_at"`
}

type senderJSON struct {
	Type string  `json:"type"`
	ID   *string `json:"id"`
	Name string  `json:"name"`
}

type messageErrJSON struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

type attachmentJSON struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

func (a *server) messageOut(m inbox.Message) messageJSON {
	out := messageJSON{ID: m.ID, ConversationID: m.ConversationID, Direction: m.Direction,
		Sender: senderJSON{Type: m.Sender.Type, ID: optString(m.Sender.ID), Name: m.Sender.Name},
		Body:   m.Body, Status: m.Status, Attachments: make([]attachmentJSON, len(m.Attachments)),
		ProviderMessageID: optString(m.ProviderMessageID), CreatedAt: timestamp(m.CreatedAt)}
	// Notes are stored as "sent", but they go to no one; the spec reports
	// them, like incoming messages, as delivered.
	if m.Direction == inbox.Note {
		out.Status = inbox.Delivered
	}
	if m.Error != nil {
		out.Error = &messageErrJSON{Code: m.Error.Code, Reason: m.Error.Reason}
	}
	for i, at := range m.Attachments {
		out.Attachments[i] = attachmentJSON{ID: at.ID, Filename: at.Filename, ContentType: at.ContentType,
			Size: at.Size, URL: a.attachmentURL(at.ID)}
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
	WidgetScript *string         `json:"widget_script"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
}

func (a *server) channelOut(c channel.Channel) channelJSON {
	out := channelJSON{ID: c.ID, Type: c.Type, Name: c.Name, Settings: c.Settings,
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt)}
	if c.Type == webchat.TypeName {
		// Round-trip through the settings type so every field the spec
		// requires is present even for rows written by older versions.
		if b, err := json.Marshal(webchat.Parse(c.Settings)); err == nil {
			out.Settings = b
		}
		s := `<script src="` + html.EscapeString(a.s.Config.BaseURL+"/widget.js") +
			`" data-channel="` + html.EscapeString(c.ID) + `" async></script>`
		out.WidgetScript = &s
	}
	if len(out.Settings) == 0 || !json.Valid(out.Settings) {
		out.Settings = json.RawMessage("{}")
	}
	return out
}
