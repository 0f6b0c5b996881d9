package contacts

import (
	"context"

	"github.com/google/uuid"

	"charla/internal/phone"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Who is a sender as a channel knows them.
type Who struct {
	// ExternalID is the channel's id for the person (visitor id, wa_id, user id …).
	ExternalID string
	Name       string
	Email      string
	// Phone is E.164 when the channel knows it.
	Phone string
}

// Resolve returns the contact behind who on channelID, inside the caller's
// transaction: the known identity; else a contact with the same phone (in any
// of its variants) or email, which gets this identity linked; else a new one.
func (s *Service) Resolve(ctx context.Context, tx *store.Tx, ws, channelID string, who Who) (string, error) {
	now := store.Now()
	if ident, err := tx.Q.GetIdentity(ctx, db.GetIdentityParams{ChannelID: channelID, ExternalID: who.ExternalID}); err == nil {
		return ident.ContactID, s.fillName(ctx, tx, ws, ident.ContactID, who.Name)
	} else if store.NotFound(err) != store.ErrNotFound {
		return "", err
	}
	contactID := ""
	if who.Phone != "" {
		for _, v := range phone.Variants(phone.Canonical(who.Phone)) {
			if c, err := tx.Q.GetContactByPhone(ctx, db.GetContactByPhoneParams{WorkspaceID: ws, Phone: v}); err == nil {
				contactID = c.ID
				break
			}
		}
	}
	if contactID == "" && who.Email != "" {
		if c, err := tx.Q.GetContactByEmail(ctx, db.GetContactByEmailParams{WorkspaceID: ws, Email: who.Email}); err == nil {
			contactID = c.ID
		}
	}
	if contactID == "" {
		id, _ := uuid.NewV7()
		contactID = id.String()
		p := ""
		if who.Phone != "" {
			p = phone.Canonical(who.Phone)
		}
		err := tx.Q.CreateContact(ctx, db.CreateContactParams{ID: contactID, WorkspaceID: ws, Name: who.Name,
			Email: who.Email, Phone: p, Attributes: "{}", CreatedAt: now})
		if err != nil {
			return "", err
		}
	} else if err := s.fillName(ctx, tx, ws, contactID, who.Name); err != nil {
		return "", err
	}
	id, _ := uuid.NewV7()
	err := tx.Q.CreateIdentity(ctx, db.CreateIdentityParams{ID: id.String(), WorkspaceID: ws, ContactID: contactID,
		ChannelID: channelID, ExternalID: who.ExternalID, CreatedAt: now})
	return contactID, err
}

// fillName gives a nameless contact the name a channel reports (a WhatsApp profile name),
// and never overwrites a name an agent chose.
func (s *Service) fillName(ctx context.Context, tx *store.Tx, ws, id, name string) error {
	if name == "" {
		return nil
	}
	c, err := tx.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: id})
	if err != nil || c.Name != "" {
		return err
	}
	_, err = tx.Q.UpdateContact(ctx, db.UpdateContactParams{WorkspaceID: ws, ID: id, Name: name, Email: c.Email,
		Phone: c.Phone, Attributes: c.Attributes, UpdatedAt: store.Now()})
	return err
}
