package inbox

import (
	"context"
	"time"

	"github.com/google/uuid"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/events"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Inbound is a message a contact sent on a channel.
type Inbound struct {
	Channel channel.Channel
	From    contacts.Who
	// ProviderMessageID makes redelivery a no-op; "" when the channel has none.
	ProviderMessageID string
	// Kind is one of the Kind constants ("" is text).
	Kind    string
	Body    string
	Content *content.Content
	// Preview is the conversation list's one-line summary ("" derives it from Body).
	Preview string
	// QuotedProviderID is the provider id of the message this one replies to.
	QuotedProviderID string
	// Files were stored with StoreUpload before the message is received.
	Files []StoredFile
	// Media are files the provider still holds; they are fetched by a job after the commit.
	Media []ProviderMedia
	// Referral (JSON) is the ad or post that brought the contact; kept on the conversation.
	Referral string
	// At is when the provider says the contact sent it (zero: now); it opens the reply window.
	At time.Time
}

// ProviderMedia is a file known by the provider's media id, not yet downloaded.
type ProviderMedia struct {
	ID          string
	Filename    string
	ContentType string
}

// Received is what Receive did.
type Received struct {
	MessageID      string
	ConversationID string
	ContactID      string
	// Duplicate is true when the provider message id was already stored: nothing changed.
	Duplicate bool
	// NewConversation is true when this message opened the contact's first
	// conversation on the channel (a greeting is due).
	NewConversation bool
	// Message is the stored message as Message would read it back (empty for a duplicate).
	Message Message
}

// Receive stores an inbound message atomically: resolves the contact,
// finds or opens the conversation, inserts the message and refreshes the
// conversation. It returns only after the commit.
func (s *Service) Receive(ctx context.Context, in Inbound) (Received, error) {
	var res Received
	var err error
	// A concurrent first message from the same new sender can race on the
	// identity's unique index (PostgreSQL); the second try finds the winner's rows.
	for attempt := 0; attempt < 3; attempt++ {
		res, err = s.receive(ctx, in)
		if !store.IsUniqueViolation(err) {
			break
		}
	}
	return res, err
}

func (s *Service) receive(ctx context.Context, in Inbound) (Received, error) {
	ws := in.Channel.WorkspaceID
	now := store.Now()
	at := in.At.UTC().Truncate(time.Microsecond)
	if in.At.IsZero() || at.After(now) {
		at = now
	}
	var res Received
	// Concurrent inbound messages share one commit; the ctx given to the
	// function is the group's, so a client hanging up can't abort the others.
	err := s.db.TxGroup(ctx, func(ctx context.Context, tx *store.Tx) error {
		res = Received{} // a rerun of the group starts over
		if in.ProviderMessageID != "" {
			// Checked here, in the writer, not on the read pool first: a read
			// connection re-reads the pages every commit invalidates, which
			// cost three times this (docs/benchmarks.md §4).
			m, err := tx.Q.MessageByProviderID(ctx, db.MessageByProviderIDParams{ChannelID: in.Channel.ID, ProviderMessageID: nullString(in.ProviderMessageID)})
			if err == nil {
				res = Received{MessageID: m.ID, ConversationID: m.ConversationID, Duplicate: true}
				return nil
			} else if store.NotFound(err) != store.ErrNotFound {
				return err
			}
		}
		contactID, contactName, err := s.contacts.Resolve(ctx, tx, ws, in.Channel.ID, in.From)
		if err != nil {
			return err
		}
		line := in.Preview
		if line == "" {
			line = in.Body
		}
		touch := db.TouchConversationInboundParams{LastMessagePreview: preview(line, len(in.Files)+len(in.Media)),
			LastActivityAt: now, LastInboundAt: nullTime(at)}
		convID, created, err := s.conversationFor(ctx, tx, ws, in.Channel.ID, contactID, touch)
		if err != nil {
			return err
		}
		msgID := newID()
		kind := in.Kind
		if kind == "" {
			kind = content.KindText
		}
		body := in.Content
		replyTo, quote, err := s.quoted(ctx, tx, in.Channel.ID, in.QuotedProviderID)
		if err != nil {
			return err
		}
		if in.QuotedProviderID != "" && replyTo == nil {
			body = withQuotedID(body, in.QuotedProviderID)
		}
		if body != nil && body.Reaction != nil && body.Reaction.TargetProviderID != "" {
			target, _, err := s.quoted(ctx, tx, in.Channel.ID, body.Reaction.TargetProviderID)
			if err != nil {
				return err
			}
			if target != nil {
				body.Reaction.TargetID = *target
			}
		}
		err = tx.Q.CreateMessage(ctx, db.CreateMessageParams{ID: msgID, WorkspaceID: ws, ConversationID: convID,
			ChannelID: in.Channel.ID, Direction: Incoming, SenderType: "contact", SenderID: nullString(contactID),
			Body: in.Body, Status: Delivered, ProviderMessageID: nullString(in.ProviderMessageID), CreatedAt: now,
			Kind: kind, Content: content.Encode(body), ReplyToID: nullPtr(replyTo)})
		if err != nil {
			return err
		}
		// A STOP commits with the message that asked for it.
		if err := s.OptOutTx(ctx, tx, ws, contactID, kind, in.Body, body); err != nil {
			return err
		}
		atts, err := insertFiles(ctx, tx, ws, msgID, in.Files, now)
		if err != nil {
			return err
		}
		for _, m := range in.Media {
			a := Attachment{ID: newID(), Filename: m.Filename, ContentType: m.ContentType, Status: AttachmentPending}
			err := tx.Q.CreateAttachment(ctx, db.CreateAttachmentParams{ID: a.ID, WorkspaceID: ws, MessageID: msgID,
				Filename: a.Filename, ContentType: a.ContentType, CreatedAt: now, Status: AttachmentPending,
				ProviderMediaID: m.ID})
			if err != nil {
				return err
			}
			if s.dispatch != nil {
				if err := s.dispatch.FetchMediaTx(ctx, tx, a.ID); err != nil {
					return err
				}
			}
			atts = append(atts, a)
		}
		if in.Referral != "" {
			if err := tx.Q.SetConversationReferral(ctx, db.SetConversationReferralParams{ID: convID, Referral: in.Referral}); err != nil {
				return err
			}
		}
		res = Received{MessageID: msgID, ConversationID: convID, ContactID: contactID, NewConversation: created, Message: Message{
			ID: msgID, ConversationID: convID, ChannelID: in.Channel.ID, Direction: Incoming,
			Sender: Sender{Type: "contact", ID: contactID, Name: contactName}, Kind: kind, Body: in.Body,
			Content: body, ReplyTo: quote, Status: Delivered,
			Attachments: atts, ProviderMessageID: in.ProviderMessageID, CreatedAt: now,
		}}
		convEvent := EventConversationUpdated
		if created {
			convEvent = EventConversationCreated
		}
		tx.AfterCommit(func() {
			s.publish(
				events.Event{Workspace: ws, Kind: convEvent, Conversation: convID, Contact: contactID, Channel: in.Channel.ID},
				events.Event{Workspace: ws, Kind: EventMessageCreated, Conversation: convID, Message: msgID, Channel: in.Channel.ID},
			)
		})
		return nil
	})
	return res, err
}

// conversationFor returns the contact's thread on the channel, refreshed by
// an inbound message (touch), opening one for a first message. A closed
// thread is reopened by the next message, so one person's history stays in one place.
func (s *Service) conversationFor(ctx context.Context, tx *store.Tx, ws, channelID, contactID string, touch db.TouchConversationInboundParams) (string, bool, error) {
	// Two plain statements: one UPDATE … WHERE id = (SELECT …) RETURNING
	// makes SQLite journal every page it changes, and cost more (docs/benchmarks.md §4).
	id, err := tx.Q.LatestConversationID(ctx, db.LatestConversationIDParams{ContactID: contactID, ChannelID: channelID})
	created := false
	if store.NotFound(err) == store.ErrNotFound {
		id, created = newID(), true
		err = tx.Q.CreateConversation(ctx, db.CreateConversationParams{ID: id, WorkspaceID: ws, ChannelID: channelID,
			ContactID: contactID, LastActivityAt: touch.LastActivityAt})
	}
	if err != nil {
		return "", false, err
	}
	touch.ID = id
	return id, created, tx.Q.TouchConversationInbound(ctx, touch)
}

func insertFiles(ctx context.Context, tx *store.Tx, ws, msgID string, files []StoredFile, now time.Time) ([]Attachment, error) {
	atts := make([]Attachment, 0, len(files))
	for _, f := range files {
		a := Attachment{ID: newID(), Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, Status: AttachmentReady, storageKey: f.Key}
		err := tx.Q.CreateAttachment(ctx, db.CreateAttachmentParams{ID: a.ID, WorkspaceID: ws, MessageID: msgID,
			Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, StorageKey: f.Key, CreatedAt: now,
			Status: AttachmentReady})
		if err != nil {
			return nil, err
		}
		atts = append(atts, a)
	}
	return atts, nil
}

func newID() string {
	id, _ := uuid.NewV7()
	return id.String()
}

// quoted finds the message a provider id names on a channel, for replies and reactions.
func (s *Service) quoted(ctx context.Context, tx *store.Tx, channelID, providerID string) (*string, *content.Quote, error) {
	if providerID == "" {
		return nil, nil, nil
	}
	m, err := tx.Q.GetMessageByProviderID(ctx, db.GetMessageByProviderIDParams{ChannelID: channelID, ProviderMessageID: nullString(providerID)})
	if store.NotFound(err) == store.ErrNotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return &m.ID, &content.Quote{ID: m.ID, Direction: m.Direction, Kind: m.Kind, Body: m.Body}, nil
}

func withQuotedID(c *content.Content, providerID string) *content.Content {
	if c == nil {
		c = &content.Content{}
	}
	c.QuotedProviderID = providerID
	return c
}
