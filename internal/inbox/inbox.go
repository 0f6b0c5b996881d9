// Package inbox holds conversations and messages: what contacts send arrives
// through Receive, what agents write leaves through Send, and every change is
// committed before it is announced on the realtime bus.
package inbox

import (
	"context"
	"io"
	"log/slog"
	"time"

	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/events"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Directions of a message.
const (
	Incoming = "incoming"
	Outgoing = "outgoing"
	Note     = "note"
)

// Message statuses, in the order they can only move forward (failed aside).
const (
	Queued    = "queued"
	Sending   = "sending" // handed to the provider, answer not yet recorded
	Sent      = "sent"
	Delivered = "delivered"
	Read      = "read"
	Failed    = "failed"
)

// Attachment statuses.
const (
	AttachmentReady       = "ready"
	AttachmentPending     = "pending"
	AttachmentUnavailable = "unavailable"
)

// Conversation statuses.
const (
	Open    = "open"
	Pending = "pending"
	Snoozed = "snoozed"
	Closed  = "closed"
)

// Event kinds published on the bus.
const (
	EventConversationCreated = "conversation.created"
	EventConversationUpdated = "conversation.updated"
	EventMessageCreated      = "message.created"
	EventMessageUpdated      = "message.updated"
)

// Message is one message of a conversation as agents, visitors and the API see it.
type Message struct {
	ID                string           `json:"id"`
	ConversationID    string           `json:"conversation_id"`
	ChannelID         string           `json:"-"`
	Direction         string           `json:"direction"`
	Sender            Sender           `json:"sender"`
	Kind              string           `json:"kind"`
	Body              string           `json:"body"`
	Content           *content.Content `json:"content"`
	ReplyTo           *content.Quote   `json:"reply_to"`
	Status            string           `json:"status"`
	Error             *SendError       `json:"error"`
	Attachments       []Attachment     `json:"attachments"`
	ProviderMessageID string           `json:"provider_message_id"`
	PricingCategory   string           `json:"pricing_category"`
	CreatedAt         time.Time        `json:"created_at"`
}

// Sender says who wrote a message.
type Sender struct {
	Type string `json:"type"` // contact, user, bot, system
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SendError is why an outgoing message failed: the provider's code, title and
// details as given, and Reason, a plain-language explanation.
type SendError struct {
	Code    string `json:"code"`
	Title   string `json:"title"`
	Details string `json:"details"`
	Reason  string `json:"reason"`
}

// Attachment is a file on a message; its bytes are in the blob store under a key
// that is never exposed.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// Status is ready, pending (still being fetched from the provider) or
	// unavailable (fetching failed; Error says why).
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	storageKey string
}

// Conversation is a thread with one contact on one channel.
type Conversation struct {
	ID                 string         `json:"id"`
	WorkspaceID        string         `json:"-"`
	ChannelID          string         `json:"channel_id"`
	ChannelName        string         `json:"-"`
	ChannelType        string         `json:"-"`
	Status             string         `json:"status"`
	Contact            ContactSummary `json:"contact"`
	AssigneeID         *string        `json:"assignee_id"`
	AssigneeName       string         `json:"-"`
	TeamID             *string        `json:"team_id"`
	TeamName           string         `json:"-"`
	UnreadCount        int            `json:"unread_count"`
	BotPaused          bool           `json:"bot_paused"`
	LastMessagePreview string         `json:"last_message_preview"`
	LastActivityAt     time.Time      `json:"last_activity_at"`
	LastInboundAt      *time.Time     `json:"-"`
	SnoozedUntil       *time.Time     `json:"snoozed_until"`
	// Referral is the ad or post that brought the contact (click-to-WhatsApp
	// ad fields such as headline, source_url, ctwa_clid), nil when none.
	Referral     map[string]string    `json:"referral"`
	CreatedAt    time.Time            `json:"created_at"`
	Capabilities channel.Capabilities `json:"-"`
}

// ContactSummary is the part of a contact a conversation list shows.
type ContactSummary struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// Service runs the inbox.
type Service struct {
	db       *store.DB
	bus      events.Bus
	blobs    blob.Store
	contacts *contacts.Service
	channels *channel.Service
	log      *slog.Logger
	dispatch Dispatcher
}

// Dispatcher moves work out of a transaction into durable jobs, which exist
// only if the transaction commits.
type Dispatcher interface {
	// SendTx delivers a queued outgoing message; urgent (agent replies) goes
	// ahead of bulk traffic.
	SendTx(ctx context.Context, tx *store.Tx, messageID string, urgent bool) error
	// FetchMediaTx copies a provider-held file into the blob store.
	FetchMediaTx(ctx context.Context, tx *store.Tx, attachmentID string) error
	// MarkReadTx tells the contact an agent read the conversation.
	MarkReadTx(ctx context.Context, tx *store.Tx, conversationID string) error
}

// SetDispatcher connects the send pipeline; without one, queued messages wait
// for the pipeline's sweep.
func (s *Service) SetDispatcher(d Dispatcher) { s.dispatch = d }

func New(d *store.DB, bus events.Bus, blobs blob.Store, c *contacts.Service, ch *channel.Service, log *slog.Logger) *Service {
	return &Service{db: d, bus: bus, blobs: blobs, contacts: c, channels: ch, log: log}
}

// publish announces committed changes; a lost announcement only delays a screen
// (subscribers re-read rows), so failures are logged, not returned.
func (s *Service) publish(evs ...events.Event) {
	for _, e := range evs {
		if err := s.bus.Publish(context.Background(), e); err != nil {
			s.log.Warn("publish event", "kind", e.Kind, "err", err)
		}
	}
}

// Blob opens an attachment's bytes, checking it belongs to workspace ws.
func (s *Service) Blob(ctx context.Context, ws, attachmentID string) (Attachment, io.ReadCloser, error) {
	row, err := s.db.Q.GetAttachment(ctx, db.GetAttachmentParams{WorkspaceID: ws, ID: attachmentID})
	if err != nil {
		return Attachment{}, nil, notFound(err, "attachment")
	}
	switch row.Status {
	case AttachmentPending:
		return Attachment{}, nil, problem.New(problem.Conflict, "this file is still being fetched from the provider; try again in a moment")
	case AttachmentUnavailable:
		return Attachment{}, nil, problem.New(problem.Conflict, "media unavailable: %s", row.Error)
	}
	r, _, err := s.blobs.Open(ctx, row.StorageKey)
	if err != nil {
		return Attachment{}, nil, err
	}
	return Attachment{ID: row.ID, Filename: row.Filename, ContentType: row.ContentType, Size: row.Size, Status: row.Status}, r, nil
}

func notFound(err error, what string) error {
	if store.NotFound(err) == store.ErrNotFound {
		return problem.NotFoundf(what)
	}
	return err
}

// preview is the one-line summary a conversation list shows for a message.
func preview(body string, files int) string {
	r := []rune(body)
	if len(r) > 140 {
		return string(r[:140]) + "…"
	}
	if body == "" && files > 0 {
		return "📎 Attachment"
	}
	return body
}
