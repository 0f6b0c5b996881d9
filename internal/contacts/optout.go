package contacts

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Where an opt-out came from.
const (
	OptOutKeyword    = "keyword"     // the contact wrote a stop word (IsStopKeyword)
	OptOutQuickReply = "quick_reply" // the contact tapped a STOP button
	OptOutAgent      = "agent"       // an agent recorded the contact's wish
	OptOutAPI        = "api"         // an integration did
)

var optOutSources = map[string]bool{OptOutKeyword: true, OptOutQuickReply: true, OptOutAgent: true, OptOutAPI: true}

const maxOptOutReason = 500

// OptOut records that a contact asked to receive no more broadcasts.
type OptOut struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Source string    `json:"source"`
}

// Unsubscribe opts a contact out of broadcasts; doing it again keeps the first record.
func (s *Service) Unsubscribe(ctx context.Context, ws, contactID, reason, source string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := s.UnsubscribeTx(ctx, tx, ws, contactID, reason, source)
		return err
	})
}

// UnsubscribeTx is Unsubscribe inside the caller's transaction, so an inbound
// STOP is recorded with the message that carried it. It reports whether the
// contact was subscribed until now (to confirm the opt-out only once).
func (s *Service) UnsubscribeTx(ctx context.Context, tx *store.Tx, ws, contactID, reason, source string) (bool, error) {
	reason = strings.TrimSpace(reason)
	fields := problem.Fields{}
	if utf8.RuneCountInString(reason) > maxOptOutReason {
		fields.Add("reason", "must be at most 500 characters")
	}
	if !optOutSources[source] {
		fields.Add("source", "must be keyword, quick_reply, agent or api")
	}
	if err := fields.Err(); err != nil {
		return false, err
	}
	if _, err := tx.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: contactID}); err != nil {
		return false, notFound(err)
	}
	n, err := tx.Q.CreateContactOptOut(ctx, db.CreateContactOptOutParams{
		ContactID: contactID, WorkspaceID: ws, Reason: reason, Source: source, CreatedAt: store.Now(),
	})
	return n == 1, err
}

// Resubscribe lets broadcasts reach the contact again; it is an agent's
// decision, recorded by removing the opt-out.
func (s *Service) Resubscribe(ctx context.Context, ws, contactID string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: contactID}); err != nil {
			return notFound(err)
		}
		_, err := tx.Q.DeleteContactOptOut(ctx, db.DeleteContactOptOutParams{WorkspaceID: ws, ContactID: contactID})
		return err
	})
}

// OptOutOf returns the contact's opt-out, or nil while they are subscribed.
func (s *Service) OptOutOf(ctx context.Context, ws, contactID string) (*OptOut, error) {
	if _, err := s.db.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: contactID}); err != nil {
		return nil, notFound(err)
	}
	row, err := s.db.Q.GetContactOptOut(ctx, db.GetContactOptOutParams{WorkspaceID: ws, ContactID: contactID})
	if store.NotFound(err) == store.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &OptOut{At: row.CreatedAt.UTC(), Reason: row.Reason, Source: row.Source}, nil
}

// IsSubscribed tells whether broadcasts may reach the contact.
func (s *Service) IsSubscribed(ctx context.Context, ws, contactID string) (bool, error) {
	o, err := s.OptOutOf(ctx, ws, contactID)
	return o == nil && err == nil, err
}
