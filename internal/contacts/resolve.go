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

// Resolve returns the id and current name of the contact behind who on
// channelID, inside the caller's transaction: the known identity; else a
// contact with the same phone (in any of its variants) or email, which gets
// this identity linked; else a new one.
func (s *Service) Resolve(ctx context.Context, tx *store.Tx, ws, channelID string, who Who) (id, name string, err error) {
	now := store.Now()
	if ident, err := tx.Q.GetIdentity(ctx, db.GetIdentityParams{ChannelID: channelID, ExternalID: who.ExternalID}); err == nil {
		c, err := tx.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: ident.ContactID})
		if err != nil {
			return "", "", err
		}
		name, err := s.fillName(ctx, tx, c, who.Name)
		return c.ID, name, err
	} else if store.NotFound(err) != store.ErrNotFound {
		return "", "", err
	}
	var found *db.Contact
	if who.Phone != "" {
		for _, v := range phone.Variants(phone.Canonical(who.Phone)) {
			if c, err := tx.Q.GetContactByPhone(ctx, db.GetContactByPhoneParams{WorkspaceID: ws, Phone: v}); err == nil {
				found = &c
				break
			}
		}
	}
	if found == nil && who.Email != "" {
		if c, err := tx.Q.GetContactByEmail(ctx, db.GetContactByEmailParams{WorkspaceID: ws, Email: who.Email}); err == nil {
			found = &c
		}
	}
	if found == nil {
		uid, _ := uuid.NewV7()
		id, name = uid.String(), who.Name
		p := ""
		if who.Phone != "" {
			p = phone.Canonical(who.Phone)
		}
		err := tx.Q.CreateContact(ctx, db.CreateContactParams{ID: id, WorkspaceID: ws, Name: who.Name,
			Email: who.Email, Phone: p, Attributes: "{}", CreatedAt: now})
		if err != nil {
			return "", "", err
		}
	} else {
		id = found.ID
		if name, err = s.fillName(ctx, tx, *found, who.Name); err != nil {
			return "", "", err
		}
	}
	identID, _ := uuid.NewV7()
	err = tx.Q.CreateIdentity(ctx, db.CreateIdentityParams{ID: identID.String(), WorkspaceID: ws, ContactID: id,
		ChannelID: channelID, ExternalID: who.ExternalID, CreatedAt: now})
	return id, name, err
}

// fillName gives a nameless contact the name a channel reports (a WhatsApp
// profile name), never overwriting a name an agent chose; it returns the name now held.
func (s *Service) fillName(ctx context.Context, tx *store.Tx, c db.Contact, name string) (string, error) {
	if name == "" || c.Name != "" {
		return c.Name, nil
	}
	_, err := tx.Q.UpdateContact(ctx, db.UpdateContactParams{WorkspaceID: c.WorkspaceID, ID: c.ID, Name: name, Email: c.Email,
		Phone: c.Phone, Attributes: c.Attributes, UpdatedAt: store.Now()})
	return name, err
}
