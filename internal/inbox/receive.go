package inbox

import (
	"context"
	"time"

	"github.com/google/uuid"

	"charla/internal/channel"
	"charla/internal/contacts"
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
	Body              string
	// Files were stored with StoreUpload before the message is received.
	Files []StoredFile
	// At is when the provider says the contact sent it (zero: now); it opens the reply window.
	At time.Time
}

// Received is what Receive did.
type Received struct {
	MessageID      string
	ConversationID string
	ContactID      string
	// Duplicate is true when the provider message id was already stored: nothing changed.
	Duplicate bool
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
		if in.ProviderMessageID != "" {
			m, err := tx.Q.GetMessageByProviderID(ctx, db.GetMessageByProviderIDParams{ChannelID: in.Channel.ID, ProviderMessageID: nullString(in.ProviderMessageID)})
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
		convID, created, err := s.conversationFor(ctx, tx, ws, in.Channel.ID, contactID, now)
		if err != nil {
			return err
		}
		msgID := newID()
		err = tx.Q.CreateMessage(ctx, db.CreateMessageParams{ID: msgID, WorkspaceID: ws, ConversationID: convID,
			ChannelID: in.Channel.ID, Direction: Incoming, SenderType: "contact", SenderID: nullString(contactID),
			Body: in.Body, Status: Delivered, ProviderMessageID: nullString(in.ProviderMessageID), CreatedAt: now})
		if err != nil {
			return err
		}
		atts, err := insertFiles(ctx, tx, ws, msgID, in.Files, now)
		if err != nil {
			return err
		}
		err = tx.Q.TouchConversationInbound(ctx, db.TouchConversationInboundParams{ID: convID,
			LastMessagePreview: preview(in.Body, len(in.Files)), LastActivityAt: now,
			LastInboundAt: nullTime(at)})
		if err != nil {
			return err
		}
		res = Received{MessageID: msgID, ConversationID: convID, ContactID: contactID, Message: Message{
			ID: msgID, ConversationID: convID, ChannelID: in.Channel.ID, Direction: Incoming,
			Sender: Sender{Type: "contact", ID: contactID, Name: contactName}, Body: in.Body, Status: Delivered,
			Attachments: atts, ProviderMessageID: in.ProviderMessageID, CreatedAt: now,
		}}
		kind := EventConversationUpdated
		if created {
			kind = EventConversationCreated
		}
		tx.AfterCommit(func() {
			s.publish(
				events.Event{Workspace: ws, Kind: kind, Conversation: convID, Contact: contactID, Channel: in.Channel.ID},
				events.Event{Workspace: ws, Kind: EventMessageCreated, Conversation: convID, Message: msgID, Channel: in.Channel.ID},
			)
		})
		return nil
	})
	return res, err
}

// conversationFor returns the contact's thread on the channel, opening one for a first message.
// A closed thread is reopened by the next message, so one person's history stays in one place.
func (s *Service) conversationFor(ctx context.Context, tx *store.Tx, ws, channelID, contactID string, now time.Time) (string, bool, error) {
	c, err := tx.Q.LatestConversation(ctx, db.LatestConversationParams{ContactID: contactID, ChannelID: channelID})
	if err == nil {
		return c.ID, false, nil
	}
	if store.NotFound(err) != store.ErrNotFound {
		return "", false, err
	}
	id := newID()
	err = tx.Q.CreateConversation(ctx, db.CreateConversationParams{ID: id, WorkspaceID: ws, ChannelID: channelID,
		ContactID: contactID, LastActivityAt: now})
	return id, true, err
}

func insertFiles(ctx context.Context, tx *store.Tx, ws, msgID string, files []StoredFile, now time.Time) ([]Attachment, error) {
	atts := make([]Attachment, 0, len(files))
	for _, f := range files {
		a := Attachment{ID: newID(), Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, storageKey: f.Key}
		err := tx.Q.CreateAttachment(ctx, db.CreateAttachmentParams{ID: a.ID, WorkspaceID: ws, MessageID: msgID,
			Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, StorageKey: f.Key, CreatedAt: now})
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
