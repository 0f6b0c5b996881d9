package broadcast

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"charla/internal/contacts"
	"charla/internal/phone"
	"charla/internal/problem"
	"charla/internal/store"
)

// CSVRow is one data row of an uploaded audience list.
type CSVRow struct {
	// Line is the row's line in the file (1 is the first line).
	Line int `json:"line"`
	// Value is the phone number or contact id as written; Phone the number
	// in E.164 when it is one.
	Value string `json:"value"`
	Phone string `json:"phone,omitempty"`
	// ContactID is the contact the row names; "" for a phone number no
	// contact has yet (New), which importing creates.
	ContactID string `json:"contact_id"`
	New       bool   `json:"new"`
	// Error says why the row cannot be used; the others still can.
	Error string `json:"error"`
}

// CSVPreview is an audience list as read: every row, and how many are usable.
type CSVPreview struct {
	Rows []CSVRow `json:"rows"`
	Good int      `json:"good"`
	Bad  int      `json:"bad"`
	New  int      `json:"new"`
}

// csvColumns are the header names a list's column may have; without a
// header, the first column is read.
var csvColumns = map[string]bool{"phone": true, "phone_number": true, "number": true, "whatsapp": true,
	"contact_id": true, "id": true}

// PreviewCSV reads an audience list — one phone number or contact id per
// row, in the first column or in a column named phone, phone_number,
// number, whatsapp, contact_id or id — and says of each row which contact
// it names or why it cannot be used. region is the default country for
// numbers written without one ("" requires international numbers).
// Nothing is written.
func (s *Service) PreviewCSV(ctx context.Context, ws string, r io.Reader, region string) (CSVPreview, error) {
	rows, err := readCSV(r)
	if err != nil {
		return CSVPreview{}, err
	}
	byPhone := map[string][]int{}
	byID := map[string][]int{}
	seen := map[string]int{}
	for i := range rows {
		row := &rows[i]
		v := strings.TrimSpace(row.Value)
		switch {
		case v == "":
			row.Error = "empty"
		case looksLikeID(v):
			byID[v] = append(byID[v], i)
		default:
			e164, err := phone.Normalize(v, region)
			if err != nil {
				row.Error = "not a phone number or contact id: " + strings.TrimPrefix(err.Error(), "phone: ")
				continue
			}
			byPhone[e164] = append(byPhone[e164], i)
		}
	}
	if err := s.resolveIDs(ctx, ws, rows, byID); err != nil {
		return CSVPreview{}, err
	}
	if err := s.resolvePhones(ctx, ws, rows, byPhone); err != nil {
		return CSVPreview{}, err
	}
	p := CSVPreview{Rows: rows}
	for i := range rows {
		row := &rows[i]
		key := row.ContactID
		if row.New {
			key = row.Phone
		}
		if row.Error == "" {
			if first, dup := seen[key]; dup {
				row.Error = fmt.Sprintf("the same contact as line %d", first)
			} else {
				seen[key] = row.Line
			}
		}
		switch {
		case row.Error != "":
			p.Bad++
		case row.New:
			p.New++
			p.Good++
		default:
			p.Good++
		}
	}
	return p, nil
}

// ImportCSV reads an audience list as PreviewCSV does, creates a contact
// for each good phone number no contact has, and returns the audience of
// every good row (bad rows are left out) with the preview.
func (s *Service) ImportCSV(ctx context.Context, ws string, r io.Reader, region string) (Audience, CSVPreview, error) {
	p, err := s.PreviewCSV(ctx, ws, r, region)
	if err != nil {
		return Audience{}, p, err
	}
	var a Audience
	for i := range p.Rows {
		row := &p.Rows[i]
		if row.Error != "" {
			continue
		}
		if row.New {
			number := row.Phone
			c, err := s.contacts.Create(ctx, ws, contacts.Input{Phone: &number})
			if err != nil {
				if problem.As(err).Kind == problem.Internal {
					return Audience{}, p, err
				}
				row.Error, row.New = explain(err), false
				p.Good--
				p.New--
				p.Bad++
				continue
			}
			row.ContactID, row.New = c.ID, false
		}
		a.ContactIDs = append(a.ContactIDs, row.ContactID)
	}
	if len(a.ContactIDs) == 0 {
		return Audience{}, p, problem.Field("file", "no row names a contact or a valid phone number")
	}
	return a, p, nil
}

// readCSV returns the data rows, Value holding the list's column.
func readCSV(r io.Reader) ([]CSVRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	col, line := 0, 0
	var rows []CSVRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, problem.Field("file", fmt.Sprintf("line %d is not valid CSV: %v", line, err))
		}
		if line == 1 {
			if c, ok := headerColumn(rec); ok {
				col = c
				continue
			}
		}
		if len(rows) >= MaxListed {
			return nil, problem.Field("file", fmt.Sprintf("has more than %d rows; split it", MaxListed))
		}
		v := ""
		if col < len(rec) {
			v = rec[col]
		}
		rows = append(rows, CSVRow{Line: line, Value: strings.TrimSpace(v)})
	}
	if len(rows) == 0 {
		return nil, problem.Field("file", "has no rows")
	}
	return rows, nil
}

// headerColumn finds the list's column in a header row.
func headerColumn(rec []string) (int, bool) {
	for i, h := range rec {
		if csvColumns[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] {
			return i, true
		}
	}
	return 0, false
}

// looksLikeID tells a contact id (a UUID) from a phone number.
func looksLikeID(v string) bool {
	return len(v) == 36 && strings.Count(v, "-") == 4
}

// resolveIDs checks that listed ids are contacts of the workspace.
func (s *Service) resolveIDs(ctx context.Context, ws string, rows []CSVRow, byID map[string][]int) error {
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	found := map[string]bool{}
	for start := 0; start < len(ids); start += 1000 {
		var q store.Query
		q.WriteString("SELECT id FROM contacts WHERE workspace_id = " + q.Arg(ws) + " AND id IN " + q.In(ids[start:min(start+1000, len(ids))]))
		if err := s.scanIDs(ctx, q, func(id, _ string) { found[id] = true }); err != nil {
			return err
		}
	}
	for id, at := range byID {
		for _, i := range at {
			if found[id] {
				rows[i].ContactID = id
			} else {
				rows[i].Error = "no contact has this id"
			}
		}
	}
	return nil
}

// resolvePhones finds the contacts listed numbers belong to, under any
// variant of the number (phone.Variants); the rest are new.
func (s *Service) resolvePhones(ctx context.Context, ws string, rows []CSVRow, byPhone map[string][]int) error {
	variant := map[string]string{} // stored form → listed number
	var forms []string
	for e164 := range byPhone {
		vs := phone.Variants(e164)
		if len(vs) == 0 {
			vs = []string{e164}
		}
		for _, v := range vs {
			variant[v] = e164
			forms = append(forms, v)
		}
	}
	owner := map[string]string{}
	for start := 0; start < len(forms); start += 1000 {
		var q store.Query
		q.WriteString("SELECT id, phone FROM contacts WHERE workspace_id = " + q.Arg(ws) + " AND phone IN " + q.In(forms[start:min(start+1000, len(forms))]))
		if err := s.scanIDs(ctx, q, func(id, p string) { owner[variant[p]] = id }); err != nil {
			return err
		}
	}
	for e164, at := range byPhone {
		for _, i := range at {
			rows[i].Phone, rows[i].ContactID, rows[i].New = e164, owner[e164], owner[e164] == ""
		}
	}
	return nil
}

func (s *Service) scanIDs(ctx context.Context, q store.Query, fn func(id, extra string)) error {
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		var id, extra string
		dest := []any{&id}
		if len(cols) > 1 {
			dest = append(dest, &extra)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		fn(id, extra)
	}
	return rows.Err()
}
