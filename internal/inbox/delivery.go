package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"charla/internal/channel"
	"charla/internal/content"
	"charla/internal/events"
	"charla/internal/store"
	"charla/internal/store/db"
)

// This file is the inbox's side of the send pipeline: a job claims a queued
// message, the provider's answer is recorded, and statuses reported later by
// webhooks move the message forward, never back.

// StatusReport is a provider's word on an outgoing message.
type StatusReport struct {
	ProviderMessageID string
	// MessageID is charla's id when the provider echoed it back; it finds a
	// message whose send was interrupted before its provider id was recorded.
	MessageID       string
	Status          string // sent, delivered, read or failed
	Error           *SendError
	PricingCategory string
}

// rank orders statuses; a message only moves to a higher rank (see AdvanceMessageStatus).
var rank = map[string]int{Queued: 0, Sending: 1, Sent: 2, Delivered: 3, Failed: 4, Read: 5}

// Outbound is a message claimed for sending, with what the provider needs.
type Outbound struct {
	channel.Outgoing
	Channel   channel.Channel
	Workspace string
	// Interrupted is true when an earlier attempt was cut off mid-call (the
	// message was left "sending"): the provider may already have it.
	Interrupted bool
	// SendingSince is when the first attempt began.
	SendingSince time.Time
}

// Claim takes a queued message for sending (queued → sending) and loads
// what delivery needs. ok is false when there is nothing to send: the
// message is gone or already past sending.
func (s *Service) Claim(ctx context.Context, messageID string) (out Outbound, ok bool, err error) {
	var row db.ClaimMessageRow
	now := store.Now()
	err = s.db.TxGroup(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		row, err = tx.Q.ClaimMessage(ctx, db.ClaimMessageParams{ID: messageID, UpdatedAt: now})
		return err
	})
	if store.NotFound(err) == store.ErrNotFound {
		return out, false, nil
	}
	if err != nil {
		return out, false, err
	}
	// Prepared single-table reads, not Message's joins: this runs for every
	// send (a quarter of a send's CPU went to re-planning that query).
	m, err := s.db.Q.GetMessageByID(ctx, messageID)
	if err != nil {
		return out, false, err
	}
	body := content.Decode(m.Content)
	ch, err := s.channels.Lookup(ctx, row.ChannelID)
	if err != nil {
		// The channel was deleted with the message still queued.
		return out, false, s.Fail(ctx, messageID, SendError{Reason: "the channel was deleted before this message could be sent"})
	}
	conv, err := s.db.Q.GetConversationByID(ctx, row.ConversationID)
	if err != nil {
		return out, false, err
	}
	ids, err := s.db.Q.ChannelIdentities(ctx, db.ChannelIdentitiesParams{ContactID: conv.ContactID, ChannelID: row.ChannelID})
	if err != nil {
		return out, false, err
	}
	// A queued message takes this claim's time; one already "sending" keeps
	// the time its interrupted attempt began.
	out = Outbound{Channel: ch, Workspace: row.WorkspaceID, Interrupted: !row.UpdatedAt.Equal(now), SendingSince: row.UpdatedAt.UTC()}
	out.MessageID, out.To, out.Kind, out.Body, out.Content = m.ID, recipient(ids), m.Kind, m.Body, body
	if out.To == "" {
		// Known by phone only (imported, or from another channel): the
		// number, without "+", is what providers take.
		if c, err := s.db.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: row.WorkspaceID, ID: conv.ContactID}); err == nil {
			out.To = strings.TrimPrefix(c.Phone, "+")
		}
	}
	if m.ReplyToID.Valid {
		q, err := s.db.Q.GetMessageByID(ctx, m.ReplyToID.String)
		if err == nil {
			out.ReplyToProviderID = q.ProviderMessageID.String
		}
	}
	if body != nil && body.Reaction != nil && body.Reaction.TargetID != "" {
		if t, err := s.db.Q.GetMessageByID(ctx, body.Reaction.TargetID); err == nil {
			body.Reaction.TargetProviderID = t.ProviderMessageID.String
		}
	}
	atts, err := s.db.Q.ListAttachmentsForMessage(ctx, messageID)
	if err != nil {
		return out, false, err
	}
	for _, a := range atts {
		key := a.StorageKey
		out.Files = append(out.Files, channel.File{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size,
			Open: func(ctx context.Context) (io.ReadCloser, error) {
				r, _, err := s.blobs.Open(ctx, key)
				return r, err
			}})
	}
	return out, true, nil
}

// recipient prefers a phone-based id; a business-scoped user id ("user:…")
// is the fallback for contacts who hide their number.
func recipient(ids []string) string {
	for _, id := range ids {
		if !strings.HasPrefix(id, "user:") {
			return id
		}
	}
	if len(ids) > 0 {
		return strings.TrimPrefix(ids[0], "user:")
	}
	return ""
}

// Release puts a claimed message back in the queue after a retryable failure.
func (s *Service) Release(ctx context.Context, messageID string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.X.ExecContext(ctx, "UPDATE messages SET status = 'queued' WHERE id = $1 AND status = 'sending'", messageID)
		return err
	})
}

// RecordSent stores the provider's id for a message it accepted, marks it
// sent, and applies any statuses that arrived before this commit.
func (s *Service) RecordSent(ctx context.Context, messageID, providerID string) error {
	return s.db.TxGroup(ctx, func(ctx context.Context, tx *store.Tx) error {
		return s.recordSent(ctx, tx, messageID, providerID)
	})
}

func (s *Service) recordSent(ctx context.Context, tx *store.Tx, messageID, providerID string) error {
	now := store.Now()
	n, err := tx.Q.RecordProviderID(ctx, db.RecordProviderIDParams{ID: messageID, ProviderMessageID: nullString(providerID), UpdatedAt: now})
	if err != nil || n == 0 {
		return err
	}
	if err := s.advance(ctx, tx, messageID, StatusReport{Status: Sent}); err != nil {
		return err
	}
	m, err := tx.Q.GetMessageByID(ctx, messageID)
	if err != nil {
		return err
	}
	pending, err := tx.Q.TakePendingStatuses(ctx, db.TakePendingStatusesParams{ChannelID: m.ChannelID, ProviderMessageID: providerID})
	if err != nil {
		return err
	}
	for _, p := range pending {
		r := StatusReport{Status: p.Status, PricingCategory: p.PricingCategory}
		if p.ErrorCode != "" || p.ErrorReason != "" {
			r.Error = &SendError{Code: p.ErrorCode, Title: p.ErrorTitle, Details: p.ErrorDetails, Reason: p.ErrorReason}
		}
		if err := s.advance(ctx, tx, messageID, r); err != nil {
			return err
		}
	}
	return nil
}

// Fail marks a message failed for good, with the provider's words and a plain reason.
func (s *Service) Fail(ctx context.Context, messageID string, e SendError) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.advance(ctx, tx, messageID, StatusReport{Status: Failed, Error: &e})
	})
}

// ApplyStatuses records what a provider reported about messages sent on ch,
// in one commit. A status for a message not yet known is kept until the
// message's provider id is recorded.
func (s *Service) ApplyStatuses(ctx context.Context, ch channel.Channel, reports []StatusReport) error {
	return s.db.TxGroup(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, r := range reports {
			if _, known := rank[r.Status]; !known || r.Status == Queued || r.Status == Sending {
				continue // e.g. "deleted" or a future status: nothing to show on the bubble
			}
			if err := s.applyStatus(ctx, tx, ch, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) applyStatus(ctx context.Context, tx *store.Tx, ch channel.Channel, r StatusReport) error {
	// Two columns, not *: this runs for every status (three per message sent).
	hit, err := tx.Q.MessageByProviderID(ctx, db.MessageByProviderIDParams{ChannelID: ch.ID, ProviderMessageID: nullString(r.ProviderMessageID)})
	id := hit.ID
	if store.NotFound(err) == store.ErrNotFound && r.MessageID != "" {
		// The provider echoed our id: a send cut off before its answer was
		// recorded did reach the provider. Record it now, so it is not sent twice.
		var m db.Message
		if m, err = tx.Q.GetMessageByID(ctx, r.MessageID); err == nil {
			id = m.ID
			if m.ChannelID != ch.ID || m.Direction != Outgoing {
				err = sql.ErrNoRows
			} else if !m.ProviderMessageID.Valid {
				if err := s.recordSent(ctx, tx, m.ID, r.ProviderMessageID); err != nil {
					return err
				}
			}
		}
	}
	if store.NotFound(err) == store.ErrNotFound {
		e := r.Error
		if e == nil {
			e = &SendError{}
		}
		return tx.Q.SavePendingStatus(ctx, db.SavePendingStatusParams{ChannelID: ch.ID, ProviderMessageID: r.ProviderMessageID,
			Status: r.Status, ErrorCode: e.Code, ErrorTitle: e.Title, ErrorDetails: e.Details, ErrorReason: e.Reason,
			PricingCategory: r.PricingCategory, CreatedAt: store.Now()})
	}
	if err != nil {
		return err
	}
	return s.advance(ctx, tx, id, r)
}

// advance moves a message's status forward and announces it.
func (s *Service) advance(ctx context.Context, tx *store.Tx, messageID string, r StatusReport) error {
	e := r.Error
	if e == nil {
		e = &SendError{}
	}
	row, err := tx.Q.AdvanceMessageStatus(ctx, db.AdvanceMessageStatusParams{ID: messageID, Status: r.Status,
		ErrorCode: e.Code, ErrorTitle: e.Title, ErrorDetails: e.Details, ErrorReason: e.Reason, UpdatedAt: store.Now(),
		PricingCategory: r.PricingCategory})
	if store.NotFound(err) == store.ErrNotFound {
		// Already at or past this status; a late status may still be the
		// first to say how the conversation is priced.
		if r.PricingCategory == "" {
			return nil
		}
		return tx.Q.SetMessagePricing(ctx, db.SetMessagePricingParams{ID: messageID, PricingCategory: r.PricingCategory})
	}
	if err != nil {
		return err
	}
	tx.AfterCommit(func() {
		s.publish(events.Event{Workspace: row.WorkspaceID, Kind: EventMessageUpdated, Conversation: row.ConversationID,
			Message: row.ID, Channel: row.ChannelID})
	})
	return nil
}

// MediaJob is an attachment still held by the provider.
type MediaJob struct {
	AttachmentID string
	MediaID      string
	Filename     string
	ContentType  string
	Channel      channel.Channel
	Workspace    string
	// Done is true when the file is already stored (a repeated job).
	Done bool
}

// PendingMedia loads what fetching an attachment needs.
func (s *Service) PendingMedia(ctx context.Context, attachmentID string) (MediaJob, error) {
	row, err := s.db.Q.GetAttachmentByID(ctx, attachmentID)
	if err != nil {
		return MediaJob{}, err
	}
	j := MediaJob{AttachmentID: row.ID, MediaID: row.ProviderMediaID, Filename: row.Filename, ContentType: row.ContentType,
		Workspace: row.WorkspaceID, Done: row.Status != AttachmentPending}
	if j.Done {
		return j, nil
	}
	j.Channel, err = s.channels.Lookup(ctx, row.ChannelID)
	return j, err
}

// MediaStored completes a pending attachment with its fetched bytes.
func (s *Service) MediaStored(ctx context.Context, j MediaJob, f StoredFile) error {
	return s.setMedia(ctx, j.AttachmentID, func(tx *store.Tx) error {
		return tx.Q.SetAttachmentReady(ctx, db.SetAttachmentReadyParams{ID: j.AttachmentID, StorageKey: f.Key, Size: f.Size,
			ContentType: f.ContentType, Filename: f.Filename})
	})
}

// MediaUnavailable records that a file could not be fetched; the message stays.
func (s *Service) MediaUnavailable(ctx context.Context, attachmentID, reason string) error {
	return s.setMedia(ctx, attachmentID, func(tx *store.Tx) error {
		return tx.Q.SetAttachmentUnavailable(ctx, db.SetAttachmentUnavailableParams{ID: attachmentID, Error: reason})
	})
}

func (s *Service) setMedia(ctx context.Context, attachmentID string, fn func(tx *store.Tx) error) error {
	row, err := s.db.Q.GetAttachmentByID(ctx, attachmentID)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		tx.AfterCommit(func() {
			s.publish(events.Event{Workspace: row.WorkspaceID, Kind: EventMessageUpdated, Conversation: row.ConversationID,
				Message: row.MessageID, Channel: row.ChannelID})
		})
		return nil
	})
}

// ProviderIDOfLatestInbound is the provider id of the contact's newest message
// in a conversation, which read receipts name.
func (s *Service) ProviderIDOfLatestInbound(ctx context.Context, ws, convID string) (string, string, error) {
	var id sql.NullString
	var channelID string
	err := s.db.R.QueryRowContext(ctx, `SELECT provider_message_id, channel_id FROM messages
		WHERE workspace_id = $1 AND conversation_id = $2 AND direction = 'incoming'
		ORDER BY created_at DESC, id DESC LIMIT 1`, ws, convID).Scan(&id, &channelID)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return id.String, channelID, err
}

// InitiatedUsage counts the unique contacts the business started a
// conversation with on a channel in the rolling 24 hours.
func (s *Service) InitiatedUsage(ctx context.Context, channelID string) (int, error) {
	n, err := s.db.Q.CountBusinessInitiated(ctx, db.CountBusinessInitiatedParams{ChannelID: channelID,
		InitiatedAt: store.Now().Add(-24 * time.Hour)})
	return int(n), err
}

// LimitWarning says when a window-exempt send (a template) to conv would
// start a conversation beyond the number's messaging limit for the rolling
// 24 h; "" when it would not, or when the limit is unknown or unlimited.
// WhatsApp refuses such sends, so agents and API clients are told first.
func (s *Service) LimitWarning(ctx context.Context, conv Conversation) (string, error) {
	if !windowClosed(conv) {
		return "", nil // the contact wrote recently: not business-initiated
	}
	h, err := s.channels.Health(ctx, conv.WorkspaceID, conv.ChannelID)
	if err != nil || h.Number == nil || h.Number.Limit <= 0 {
		return "", err
	}
	since := store.Now().Add(-24 * time.Hour)
	counted, err := s.db.Q.InitiatedRecently(ctx, db.InitiatedRecentlyParams{ChannelID: conv.ChannelID, ContactID: conv.Contact.ID, InitiatedAt: since})
	if err != nil || counted > 0 {
		return "", err // already counted today: no new conversation
	}
	used, err := s.InitiatedUsage(ctx, conv.ChannelID)
	if err != nil || used < h.Number.Limit {
		return "", err
	}
	return fmt.Sprintf("this number has started conversations with %d of its %d contacts allowed in the last 24 hours; WhatsApp will likely refuse a template to a new contact until older ones age out",
		used, h.Number.Limit), nil
}
