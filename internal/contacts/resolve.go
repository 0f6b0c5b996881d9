package contacts

import (
	"context"
	"time"

	"github.com/google/uuid"

	"charla/internal/phone"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Who is a sender as a channel knows them.
type Who struct {
	// ExternalID is the channel's id for the person (visitor id, wa_id, user id …).
	ExternalID string
	// AltIDs are other ids the channel knows the same person by (a WhatsApp
	// business-scoped user id beside the wa_id); each is linked too.
	AltIDs []string
	Name   string
	Email  string
	// Phone is E.164 when the channel knows it.
	Phone string
	// PhoneOf, when set and Phone is empty, derives Phone ("" when there is
	// none) the first time Resolve needs it: only a sender Resolve does not
	// know yet is matched by phone, and parsing a number costs more than a
	// known sender's whole lookup.
	PhoneOf func() string
}

// phone is who's E.164 number, derived now if the channel left it to PhoneOf.
func (who *Who) phone() string {
	if who.Phone == "" && who.PhoneOf != nil {
		who.Phone, who.PhoneOf = who.PhoneOf(), nil
	}
	return who.Phone
}

// Resolve returns the id and current name of the contact behind who on
// channelID, inside the caller's transaction: the known identity; else a
// contact with the same phone (in any of its variants) or email, which gets
// this identity linked; else a new one.
func (s *Service) Resolve(ctx context.Context, tx *store.Tx, ws, channelID string, who Who) (id, name string, err error) {
	now := store.Now()
	ids := append([]string{who.ExternalID}, who.AltIDs...)
	var found *db.Contact
	var missing []string
	for _, ext := range ids {
		if ext == "" {
			continue
		}
		c, err := tx.Q.ContactByIdentity(ctx, db.ContactByIdentityParams{ChannelID: channelID, ExternalID: ext, WorkspaceID: ws})
		if store.NotFound(err) == store.ErrNotFound {
			missing = append(missing, ext)
			continue
		} else if err != nil {
			return "", "", err
		}
		if found == nil {
			found = &c
		}
	}
	if found != nil {
		name, err := s.fillName(ctx, tx, *found, who.Name)
		if err != nil {
			return "", "", err
		}
		return found.ID, name, s.link(ctx, tx, ws, channelID, found.ID, missing, now)
	}
	if p := who.phone(); p != "" {
		for _, v := range phone.Variants(phone.Canonical(p)) {
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
		if who.phone() != "" {
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
	return id, name, s.link(ctx, tx, ws, channelID, id, missing, now)
}

// link records the channel ids of a contact.
func (s *Service) link(ctx context.Context, tx *store.Tx, ws, channelID, contactID string, externalIDs []string, now time.Time) error {
	for _, ext := range externalIDs {
		identID, _ := uuid.NewV7()
		err := tx.Q.CreateIdentity(ctx, db.CreateIdentityParams{ID: identID.String(), WorkspaceID: ws, ContactID: contactID,
			ChannelID: channelID, ExternalID: ext, CreatedAt: now})
		if err != nil {
			return err
		}
	}
	return nil
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
