package contacts

import (
	"context"
	"encoding/json"

	"charla/internal/store"
	"charla/internal/store/db"
)

// Recipient is what a broadcast needs of a matching contact.
type Recipient struct {
	ContactID  string         `json:"contact_id"`
	Name       string         `json:"name"`
	Phone      string         `json:"phone"`
	Email      string         `json:"email"`
	Attributes map[string]any `json:"attributes"`
}

const (
	defaultMatchLimit = 1000
	maxMatchLimit     = 10000
)

// Count is how many contacts of workspace ws match f now.
func (s *Service) Count(ctx context.Context, ws string, f Filter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	var q store.Query
	q.WriteString("SELECT COUNT(*) FROM contacts c")
	f.where(&q, s.db.Dialect, ws, store.Now())
	var n int64
	err := s.db.R.QueryRowContext(ctx, q.String(), q.Args...).Scan(&n)
	return int(n), err
}

// Match returns up to limit matching contacts with ids after afterID, in id
// order: pass the last id of one page to get the next, until a page comes back
// short. A broadcast streams any audience this way without holding it in memory,
// and a contact created meanwhile is picked up if its id sorts after the cursor.
func (s *Service) Match(ctx context.Context, ws string, f Filter, afterID string, limit int) ([]Recipient, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultMatchLimit
	}
	limit = min(limit, maxMatchLimit)
	var q store.Query
	q.WriteString("SELECT c.id, c.name, c.phone, c.email, c.attributes FROM contacts c")
	f.where(&q, s.db.Dialect, ws, store.Now())
	if afterID != "" {
		q.WriteString(" AND c.id > " + q.Arg(afterID))
	}
	q.WriteString(" ORDER BY c.id LIMIT " + q.Arg(limit))
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Recipient{}
	for rows.Next() {
		var r Recipient
		var attrs string
		if err := rows.Scan(&r.ContactID, &r.Name, &r.Phone, &r.Email, &attrs); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(attrs), &r.Attributes); err != nil || r.Attributes == nil {
			r.Attributes = map[string]any{}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ListFiltered is List narrowed by f: newest first, with tags, a page at a time.
func (s *Service) ListFiltered(ctx context.Context, ws string, f Filter, cursor string, limit int) (Page, error) {
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	var q store.Query
	q.WriteString("SELECT c.id, c.workspace_id, c.name, c.email, c.phone, c.attributes, c.created_at, c.updated_at FROM contacts c")
	f.where(&q, s.db.Dialect, ws, store.Now())
	if cursor != "" {
		q.WriteString(" AND c.id < " + q.Arg(cursor))
	}
	q.WriteString(" ORDER BY c.id DESC LIMIT " + q.Arg(limit+1))
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	page := Page{Contacts: []Contact{}}
	for rows.Next() {
		var r db.Contact
		if err := rows.Scan(&r.ID, &r.WorkspaceID, &r.Name, &r.Email, &r.Phone, &r.Attributes, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return Page{}, err
		}
		page.Contacts = append(page.Contacts, fromRow(r))
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(page.Contacts) > limit {
		page.Contacts = page.Contacts[:limit]
		page.Next = page.Contacts[limit-1].ID
	}
	return page, s.fillTags(ctx, page.Contacts)
}

// fillTags loads the tags of a page of contacts in one query.
func (s *Service) fillTags(ctx context.Context, cs []Contact) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*Contact, len(cs))
	ids := make([]string, len(cs))
	for i := range cs {
		byID[cs[i].ID] = &cs[i]
		ids[i] = cs[i].ID
	}
	var q store.Query
	q.WriteString("SELECT contact_id, tag FROM contact_tags WHERE contact_id IN " + q.In(ids) + " ORDER BY tag")
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		c := byID[id]
		c.Tags = append(c.Tags, tag)
	}
	return rows.Err()
}
