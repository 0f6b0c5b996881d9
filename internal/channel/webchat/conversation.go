package webchat

import (
	"context"
	"encoding/json"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// conversation returns the visitor's conversation on ch, or "" before their first message.
func (h *handler) conversation(ctx context.Context, ch channel.Channel, v visitor) (string, error) {
	id, err := h.s.DB.Q.VisitorConversation(ctx, db.VisitorConversationParams{ChannelID: ch.ID, ExternalID: v.ID})
	if store.NotFound(err) == store.ErrNotFound {
		return "", nil
	}
	return id, err
}

// claimedEmailKey is the contact attribute holding an email a visitor typed
// that already belongs to another contact.
const claimedEmailKey = "claimed_email"

// who is the visitor as the inbox resolves them: by visitor id only. The email
// is deliberately left out: contacts.Resolve would link the visitor to any
// contact with that address, and a visitor's conversation is their contact's,
// so typing a customer's email would open the customer's chat history.
func (v visitor) who() contacts.Who {
	return contacts.Who{ExternalID: v.ID, Name: v.Name}
}

// recordEmail puts the email the visitor typed on their own contact: as its
// email when free, otherwise as an attribute an agent can act on (merge, reply).
// It is best effort: the message is already stored.
func (h *handler) recordEmail(ctx context.Context, ws, contactID, email string) {
	if email == "" || contactID == "" {
		return
	}
	row, err := h.s.DB.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: contactID})
	if err != nil {
		h.s.Log.Warn("webchat: read contact for email", "contact", contactID, "err", err)
		return
	}
	attrs := map[string]any{}
	_ = json.Unmarshal([]byte(row.Attributes), &attrs)
	if row.Email == email || attrs[claimedEmailKey] == email {
		return
	}
	if row.Email == "" {
		_, err = h.s.Contacts.Update(ctx, ws, contactID, contacts.Input{Email: &email})
		if !problem.Is(err, problem.Conflict) {
			h.warn(err, "webchat: set contact email", contactID)
			return
		}
	}
	attrs[claimedEmailKey] = email
	_, err = h.s.Contacts.Update(ctx, ws, contactID, contacts.Input{Attributes: attrs})
	h.warn(err, "webchat: note claimed email", contactID)
}

func (h *handler) warn(err error, msg, contactID string) {
	if err != nil {
		h.s.Log.Warn(msg, "contact", contactID, "err", err)
	}
}
