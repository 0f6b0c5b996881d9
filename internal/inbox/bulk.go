package inbox

import (
	"context"
	"slices"
	"strings"
	"time"

	"charla/internal/channel"
	"charla/internal/content"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// BulkDraft is one message of bulk traffic (a broadcast) to one contact.
type BulkDraft struct {
	ContactID string
	// Kind is one of content's kinds ("" is text).
	Kind    string
	Body    string
	Content *content.Content
}

// BulkMessage is where a bulk draft was written.
type BulkMessage struct {
	MessageID      string
	ConversationID string
	// Status is Queued, or Sent on a self-delivering channel.
	Status string
}

// ComposeBulkTx writes d into the contact's newest conversation on ch, in
// the caller's transaction: the caller's own bookkeeping (a broadcast
// recipient marked queued) commits with the message or not at all, which
// is what makes a broadcast exactly-once. A contact without a conversation
// on ch gets a closed one, so a broadcast opens no work for agents until the
// contact replies. The send is not enqueued here: the caller enqueues its
// batch in one insert (outbound.Pipeline.SendBulkTx), in the same
// transaction. Nothing is announced on the bus: a broadcast announces its
// progress instead of one event per message.
//
// Errors that concern this contact alone (the reply window is closed) are
// problem errors; the transaction stays usable after them.
func (s *Service) ComposeBulkTx(ctx context.Context, tx *store.Tx, ch channel.Channel, d BulkDraft) (BulkMessage, error) {
	t, ok := s.channels.Types().Get(ch.Type)
	if !ok {
		return BulkMessage{}, problem.New(problem.Conflict, "this server does not serve %s channels", ch.Type)
	}
	caps := t.Capabilities()
	kind := d.Kind
	if kind == "" {
		kind = content.KindText
	}
	if !supports(caps, kind) {
		return BulkMessage{}, problem.Field("kind", "this channel cannot send "+kind+" messages")
	}
	now := store.Now()
	conv, err := tx.Q.ContactConversationOnChannel(ctx, db.ContactConversationOnChannelParams{ContactID: d.ContactID, ChannelID: ch.ID})
	found := err == nil
	if err != nil && store.NotFound(err) != store.ErrNotFound {
		return BulkMessage{}, err
	}
	closed := caps.ReplyWindow > 0 && (!conv.LastInboundAt.Valid || now.After(conv.LastInboundAt.Time.Add(caps.ReplyWindow)))
	exempt := slices.Contains(caps.WindowExempt, kind)
	if closed && !exempt {
		if !conv.LastInboundAt.Valid {
			return BulkMessage{}, problem.Field("body", "the contact has not written yet; send an approved template")
		}
		return BulkMessage{}, problem.Field("body", WindowClosedReason(caps.ReplyWindow, conv.LastInboundAt.Time))
	}
	body := strings.TrimSpace(d.Body)
	line := preview(outgoingPreview(body, d.Content), 0)
	if found {
		err = tx.Q.TouchConversationOutbound(ctx, db.TouchConversationOutboundParams{ID: conv.ID, LastMessagePreview: line, LastActivityAt: now})
	} else {
		conv.ID = newID()
		err = tx.Q.CreateClosedConversation(ctx, db.CreateClosedConversationParams{ID: conv.ID, WorkspaceID: ch.WorkspaceID,
			ChannelID: ch.ID, ContactID: d.ContactID, LastMessagePreview: line, LastActivityAt: now})
	}
	if err != nil {
		return BulkMessage{}, err
	}
	status := Queued
	if caps.SelfDelivering {
		status = Sent
	}
	msgID := newID()
	err = tx.Q.CreateMessage(ctx, db.CreateMessageParams{ID: msgID, WorkspaceID: ch.WorkspaceID, ConversationID: conv.ID,
		ChannelID: ch.ID, Direction: Outgoing, SenderType: "bot", Body: body, Status: status, CreatedAt: now,
		Kind: kind, Content: content.Encode(d.Content)})
	if err != nil {
		return BulkMessage{}, err
	}
	if closed && exempt {
		// The business opens a conversation: it counts against the number's messaging limit.
		err := tx.Q.RecordBusinessInitiated(ctx, db.RecordBusinessInitiatedParams{ChannelID: ch.ID,
			ContactID: d.ContactID, InitiatedAt: now, InitiatedAt_2: now.Add(-24 * time.Hour)})
		if err != nil {
			return BulkMessage{}, err
		}
	}
	return BulkMessage{MessageID: msgID, ConversationID: conv.ID, Status: status}, nil
}

// ReleaseTx puts a message claimed for sending back in the queue, in the
// caller's transaction (a bulk message held back, and why, commit together).
func (s *Service) ReleaseTx(ctx context.Context, tx *store.Tx, messageID string) error {
	_, err := tx.X.ExecContext(ctx, "UPDATE messages SET status = 'queued' WHERE id = $1 AND status = 'sending'", messageID)
	return err
}
