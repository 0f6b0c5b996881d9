package contacts

import (
	"context"

	"charla/internal/store"
	"charla/internal/store/db"
)

// Page is one page of a list and the cursor of the next ("" at the end).
type Page struct {
	Contacts []Contact
	Next     string
}

// List returns contacts newest first, matching q against name, email and phone.
func (s *Service) List(ctx context.Context, ws, q, cursor string, limit int) (Page, error) {
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	var b store.Query
	b.WriteString("SELECT id, workspace_id, name, email, phone, attributes, created_at, updated_at FROM contacts WHERE workspace_id = " + b.Arg(ws))
	if q != "" {
		p := b.Arg(store.Like(q))
		b.WriteString(" AND (LOWER(name) LIKE " + p + ` ESCAPE '\' OR email LIKE ` + p + ` ESCAPE '\' OR phone LIKE ` + p + ` ESCAPE '\')`)
	}
	if cursor != "" {
		b.WriteString(" AND id < " + b.Arg(cursor))
	}
	// UUIDv7 ids sort by creation time.
	b.WriteString(" ORDER BY id DESC LIMIT " + b.Arg(limit+1))
	rows, err := s.db.R.QueryContext(ctx, b.String(), b.Args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	var page Page
	byID := map[string]int{}
	ids := []string{}
	for rows.Next() {
		var r db.Contact
		if err := rows.Scan(&r.ID, &r.WorkspaceID, &r.Name, &r.Email, &r.Phone, &r.Attributes, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return Page{}, err
		}
		byID[r.ID] = len(page.Contacts)
		ids = append(ids, r.ID)
		page.Contacts = append(page.Contacts, fromRow(r))
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(page.Contacts) > limit {
		page.Contacts = page.Contacts[:limit]
		ids = ids[:limit]
		page.Next = ids[limit-1]
	}
	if len(ids) == 0 {
		page.Contacts = []Contact{}
		return page, nil
	}
	var t store.Query
	t.WriteString("SELECT contact_id, tag FROM contact_tags WHERE contact_id IN " + t.In(ids) + " ORDER BY tag")
	trows, err := s.db.R.QueryContext(ctx, t.String(), t.Args...)
	if err != nil {
		return Page{}, err
	}
	defer trows.Close()
	for trows.Next() {
		var id, tag string
		if err := trows.Scan(&id, &tag); err != nil {
			return Page{}, err
		}
		c := &page.Contacts[byID[id]]
		c.Tags = append(c.Tags, tag)
	}
	return page, trows.Err()
}
