package inbox

import (
	"context"

	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/store"
)

// OptOutTx unsubscribes the sender of a new inbound message that asks to
// stop — a stop word as the whole text (contacts.IsStopKeyword), or a tapped
// quick reply whose payload or title is one — inside the transaction that
// stores the message, so the opt-out commits with it. Receive calls it for
// every new message; an agent can re-subscribe the contact later.
func (s *Service) OptOutTx(ctx context.Context, tx *store.Tx, ws, contactID, kind, body string, c *content.Content) error {
	source, ok := stopRequest(kind, body, c)
	if !ok {
		return nil
	}
	_, err := s.contacts.UnsubscribeTx(ctx, tx, ws, contactID, "the contact wrote "+quoteStop(kind, body, c), source)
	return err
}

// stopRequest tells whether a message asks to unsubscribe, and how.
func stopRequest(kind, body string, c *content.Content) (string, bool) {
	if kind == content.KindChoice && c != nil && c.Choice != nil {
		if contacts.IsStopKeyword(c.Choice.Payload) || contacts.IsStopKeyword(c.Choice.Title) {
			return contacts.OptOutQuickReply, true
		}
		return "", false
	}
	if (kind == "" || kind == content.KindText) && contacts.IsStopKeyword(body) {
		return contacts.OptOutKeyword, true
	}
	return "", false
}

// quoteStop is what the contact sent, for the opt-out's reason.
func quoteStop(kind, body string, c *content.Content) string {
	if kind == content.KindChoice && c != nil && c.Choice != nil {
		title := []rune(c.Choice.Title)
		if len(title) > 100 {
			title = title[:100]
		}
		return "“" + string(title) + "” (a quick reply)"
	}
	return "“" + body + "”"
}
