// Package contacts keeps the people a workspace talks to: one contact per
// person, whatever channel or number format they reach us by.
package contacts

import (
	"context"
	"encoding/json"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"charla/internal/phone"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Contact is a person, with everything the inbox shows about them.
type Contact struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"-"`
	Name        string         `json:"name"`
	Email       string         `json:"email"`
	Phone       string         `json:"phone"`
	Attributes  map[string]any `json:"attributes"`
	Tags        []string       `json:"tags"`
	Identities  []Identity     `json:"identities"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Identity is how one channel knows the contact (a visitor id, a wa_id …).
type Identity struct {
	ChannelID  string `json:"channel_id"`
	ExternalID string `json:"external_id"`
}

// Input carries a create or a partial update: nil fields are left as they are.
type Input struct {
	Name       *string
	Email      *string
	Phone      *string
	Attributes map[string]any
	Tags       []string
}

// Service reads and writes contacts.
type Service struct {
	db *store.DB
	// Region is the default country for numbers typed without a country code.
	Region string
}

func New(d *store.DB) *Service { return &Service{db: d} }

// Create adds a contact.
func (s *Service) Create(ctx context.Context, ws string, in Input) (Contact, error) {
	row := db.Contact{WorkspaceID: ws, Attributes: "{}"}
	if err := s.apply(&row, in); err != nil {
		return Contact{}, err
	}
	tags, err := cleanTags(in.Tags)
	if err != nil {
		return Contact{}, err
	}
	id, _ := uuid.NewV7()
	row.ID = id.String()
	now := store.Now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkPhoneFree(ctx, tx, ws, "", row.Phone); err != nil {
			return err
		}
		err := tx.Q.CreateContact(ctx, db.CreateContactParams{
			ID: row.ID, WorkspaceID: ws, Name: row.Name, Email: row.Email, Phone: row.Phone,
			Attributes: row.Attributes, CreatedAt: now,
		})
		if err != nil {
			return conflict(err, row)
		}
		for _, t := range tags {
			if err := tx.Q.AddContactTag(ctx, db.AddContactTagParams{ContactID: row.ID, WorkspaceID: ws, Tag: t}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, ws, row.ID)
}

// Get returns one contact of workspace ws.
func (s *Service) Get(ctx context.Context, ws, id string) (Contact, error) {
	row, err := s.db.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: id})
	if err != nil {
		return Contact{}, notFound(err)
	}
	c := fromRow(row)
	if c.Tags, err = s.db.Q.ListContactTags(ctx, id); err != nil {
		return Contact{}, err
	}
	ids, err := s.db.Q.ListContactIdentities(ctx, id)
	if err != nil {
		return Contact{}, err
	}
	for _, i := range ids {
		c.Identities = append(c.Identities, Identity{ChannelID: i.ChannelID, ExternalID: i.ExternalID})
	}
	return c, nil
}

// Update changes the fields in is that are set.
func (s *Service) Update(ctx context.Context, ws, id string, in Input) (Contact, error) {
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		row, err := tx.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: id})
		if err != nil {
			return notFound(err)
		}
		if err := s.apply(&row, in); err != nil {
			return err
		}
		if err := s.checkPhoneFree(ctx, tx, ws, id, row.Phone); err != nil {
			return err
		}
		_, err = tx.Q.UpdateContact(ctx, db.UpdateContactParams{
			WorkspaceID: ws, ID: id, Name: row.Name, Email: row.Email, Phone: row.Phone,
			Attributes: row.Attributes, UpdatedAt: store.Now(),
		})
		return conflict(err, row)
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, ws, id)
}

// Delete removes a contact with its conversations.
func (s *Service) Delete(ctx context.Context, ws, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.DeleteContact(ctx, db.DeleteContactParams{WorkspaceID: ws, ID: id})
		if err == nil && n == 0 {
			return problem.NotFoundf("contact")
		}
		return err
	})
}

// AddTags tags a contact; tags it already has are kept once.
func (s *Service) AddTags(ctx context.Context, ws, id string, tags []string) (Contact, error) {
	clean, err := cleanTags(tags)
	if err != nil {
		return Contact{}, err
	}
	if len(clean) == 0 {
		return Contact{}, problem.Field("tags", "give at least one tag")
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: id}); err != nil {
			return notFound(err)
		}
		for _, t := range clean {
			if err := tx.Q.AddContactTag(ctx, db.AddContactTagParams{ContactID: id, WorkspaceID: ws, Tag: t}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, ws, id)
}

// RemoveTag untags a contact; removing a tag it lacks is not an error.
func (s *Service) RemoveTag(ctx context.Context, ws, id, tag string) (Contact, error) {
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Q.GetContact(ctx, db.GetContactParams{WorkspaceID: ws, ID: id}); err != nil {
			return notFound(err)
		}
		return tx.Q.RemoveContactTag(ctx, db.RemoveContactTagParams{ContactID: id, Tag: strings.ToLower(strings.TrimSpace(tag))})
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, ws, id)
}

// apply validates in and writes it onto row.
func (s *Service) apply(row *db.Contact, in Input) error {
	f := problem.Fields{}
	if in.Name != nil {
		row.Name = strings.TrimSpace(*in.Name)
		if utf8.RuneCountInString(row.Name) > 255 {
			f.Add("name", "must be at most 255 characters")
		}
	}
	if in.Email != nil {
		row.Email = strings.ToLower(strings.TrimSpace(*in.Email))
		if row.Email != "" {
			if a, err := mail.ParseAddress(row.Email); err != nil || a.Address != row.Email || len(row.Email) > 254 {
				f.Add("email", "is not a valid email address")
			}
		}
	}
	if in.Phone != nil {
		row.Phone = strings.TrimSpace(*in.Phone)
		if row.Phone != "" {
			e164, err := phone.Normalize(row.Phone, s.Region)
			if err != nil {
				f.Add("phone", "is not a valid phone number; write it with its country code, like +5511987654321")
			} else {
				row.Phone = phone.Canonical(e164)
			}
		}
	}
	if in.Attributes != nil {
		if msg := checkAttributes(in.Attributes); msg != "" {
			f.Add("attributes", msg)
		} else {
			b, _ := json.Marshal(in.Attributes)
			row.Attributes = string(b)
		}
	}
	return f.Err()
}

// checkPhoneFree refuses a phone that another contact has under any of its
// variants, so "+55 11 8765-4321" and "+55 11 98765-4321" never split a person.
func (s *Service) checkPhoneFree(ctx context.Context, tx *store.Tx, ws, self, e164 string) error {
	if e164 == "" {
		return nil
	}
	for _, v := range phone.Variants(e164) {
		other, err := tx.Q.GetContactByPhone(ctx, db.GetContactByPhoneParams{WorkspaceID: ws, Phone: v})
		if err == nil && other.ID != self {
			return problem.New(problem.Conflict, "phone %s already belongs to another contact", e164)
		}
	}
	return nil
}

var attrKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func checkAttributes(m map[string]any) string {
	if len(m) > 100 {
		return "at most 100 attributes"
	}
	for k, v := range m {
		if !attrKey.MatchString(k) {
			return "key " + k + " must be lowercase letters, digits and underscores, starting with a letter (at most 64)"
		}
		switch x := v.(type) {
		case string:
			if len(x) > 1000 {
				return "value of " + k + " must be at most 1000 characters"
			}
		case float64, bool, int, int64:
		default:
			return "value of " + k + " must be a string, number or boolean"
		}
	}
	return ""
}

func cleanTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || utf8.RuneCountInString(t) > 64 || strings.ContainsAny(t, ",\n") {
			return nil, problem.Field("tags", "each tag must be 1 to 64 characters, without commas")
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

func conflict(err error, row db.Contact) error {
	if store.IsUniqueViolation(err) {
		return problem.New(problem.Conflict, "another contact already has email %q or phone %q", row.Email, row.Phone)
	}
	return err
}

func notFound(err error) error {
	if store.NotFound(err) == store.ErrNotFound {
		return problem.NotFoundf("contact")
	}
	return err
}

func fromRow(r db.Contact) Contact {
	c := Contact{ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Email: r.Email, Phone: r.Phone,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Tags: []string{}, Identities: []Identity{}}
	if err := json.Unmarshal([]byte(r.Attributes), &c.Attributes); err != nil || c.Attributes == nil {
		c.Attributes = map[string]any{}
	}
	return c
}
