package broadcast

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Audience is who a broadcast goes to: a saved segment, a filter, or a
// list of contacts (from a CSV, see ImportCSV); exactly one. Opted-out
// contacts are always left out. When a segment broadcast starts, the
// segment's filter is kept in Filter, so later edits of the segment do not
// change who it goes to.
type Audience struct {
	SegmentID  string           `json:"segment_id,omitempty"`
	Filter     *contacts.Filter `json:"filter,omitempty"`
	ContactIDs []string         `json:"contact_ids,omitempty"`
}

// MaxListed bounds a list audience.
const MaxListed = 100_000

// materializeBatch is how many recipients one transaction writes.
const materializeBatch = 2000

func (s *Service) validateAudience(ctx context.Context, ws string, a Audience, f problem.Fields) (Audience, error) {
	set := 0
	for _, ok := range []bool{a.SegmentID != "", a.Filter != nil, len(a.ContactIDs) > 0} {
		if ok {
			set++
		}
	}
	if set != 1 {
		f.Add("audience", "choose one: a segment, a filter or a list of contacts")
		return a, nil
	}
	switch {
	case a.SegmentID != "":
		if _, err := s.contacts.GetSegment(ctx, ws, a.SegmentID); problem.Is(err, problem.NotFound) {
			f.Add("audience.segment_id", "must be a segment of this workspace")
		} else if err != nil {
			return a, err
		}
	case a.Filter != nil:
		if err := a.Filter.Validate(); err != nil {
			for k, v := range problem.As(err).Fields {
				f.Add("audience.filter."+k, v)
			}
		}
	default:
		if len(a.ContactIDs) > MaxListed {
			f.Add("audience.contact_ids", fmt.Sprintf("must list at most %d contacts", MaxListed))
			return a, nil
		}
		seen := make(map[string]bool, len(a.ContactIDs))
		ids := make([]string, 0, len(a.ContactIDs))
		for _, id := range a.ContactIDs {
			id = strings.TrimSpace(id)
			if id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			f.Add("audience.contact_ids", "must list at least one contact")
		}
		a.ContactIDs = ids
	}
	return a, nil
}

// resolved is the audience with a segment's filter kept (at start).
func (s *Service) resolved(ctx context.Context, ws string, a Audience) (Audience, error) {
	if a.SegmentID == "" || a.Filter != nil {
		return a, nil
	}
	sg, err := s.contacts.GetSegment(ctx, ws, a.SegmentID)
	if problem.Is(err, problem.NotFound) {
		return a, problem.Field("audience.segment_id", "the segment was deleted; choose another audience")
	}
	if err != nil {
		return a, err
	}
	a.Filter = &sg.Filter
	return a, nil
}

// subscribed narrows a filter to contacts who have not opted out.
func subscribed(f contacts.Filter) contacts.Filter {
	yes := true
	f.Subscribed = &yes
	return f
}

// count is how many contacts the audience has now, opted-out ones left out.
func (s *Service) count(ctx context.Context, ws string, a Audience) (int, error) {
	a, err := s.resolved(ctx, ws, a)
	if err != nil {
		return 0, err
	}
	if a.Filter != nil {
		return s.contacts.Count(ctx, ws, subscribed(*a.Filter))
	}
	n := 0
	for start := 0; start < len(a.ContactIDs); start += 1000 {
		ids := a.ContactIDs[start:min(start+1000, len(a.ContactIDs))]
		var q store.Query
		q.WriteString("SELECT COUNT(*) FROM contacts c WHERE c.workspace_id = " + q.Arg(ws) + " AND c.id IN " + q.In(ids) +
			" AND NOT EXISTS (SELECT 1 FROM contact_optouts o WHERE o.contact_id = c.id)")
		var k int64
		if err := s.db.R.QueryRowContext(ctx, q.String(), q.Args...).Scan(&k); err != nil {
			return 0, err
		}
		n += int(k)
	}
	return n, nil
}

// newRecipient is a recipient row to write.
type newRecipient struct {
	seq       int
	contactID string
	status    string
	code      string
	reason    string
}

// materialize writes the next batch of the audience's recipients; the
// cursor moves in the same transaction, so a crash repeats no batch and
// skips none. Two feeders racing on one batch: the second finds the cursor
// moved and writes nothing.
func (s *Service) materialize(ctx context.Context, b db.Broadcast, ch channel.Channel, caps channel.Capabilities) error {
	var a Audience
	_ = json.Unmarshal([]byte(b.Audience), &a)
	var rows []newRecipient
	var cursor string
	var done bool
	if a.Filter != nil {
		page, err := s.contacts.Match(ctx, b.WorkspaceID, subscribed(*a.Filter), b.AudienceCursor, materializeBatch)
		if err != nil {
			return err
		}
		phones := make(map[string]string, len(page))
		ids := make([]string, len(page))
		for i, r := range page {
			ids[i], phones[r.ContactID] = r.ContactID, r.Phone
		}
		known, err := s.identified(ctx, ch.ID, ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			rows = append(rows, recipientFor(int(b.Total)+i+1, id, phones[id], known[id], caps))
		}
		cursor, done = b.AudienceCursor, len(page) < materializeBatch
		if len(page) > 0 {
			cursor = page[len(page)-1].ContactID
		}
	} else {
		start, _ := strconv.Atoi(b.AudienceCursor)
		start = min(start, len(a.ContactIDs))
		ids := a.ContactIDs[start:min(start+materializeBatch, len(a.ContactIDs))]
		found, err := s.listed(ctx, b.WorkspaceID, ch.ID, ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			c, ok := found[id]
			switch {
			case !ok:
				rows = append(rows, newRecipient{seq: start + i + 1, contactID: id, status: Skipped, code: CodeContactDeleted,
					reason: "no such contact (deleted?)"})
			case c.optedOut:
				// Left out, as a segment leaves them out.
			default:
				rows = append(rows, recipientFor(start+i+1, id, c.phone, c.known, caps))
			}
		}
		cursor, done = strconv.Itoa(start+len(ids)), start+len(ids) >= len(a.ContactIDs)
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := insertRecipients(ctx, tx, b.ID, rows)
		if err != nil {
			return err
		}
		moved, err := tx.Q.SetBroadcastAudienceProgress(ctx, db.SetBroadcastAudienceProgressParams{ID: b.ID,
			Total: b.Total + int32(n), AudienceCursor: cursor, Materialized: done, OldCursor: b.AudienceCursor})
		if err != nil {
			return err
		}
		if moved == 0 {
			return errRaced
		}
		return nil
	})
}

// recipientFor decides whether the channel can reach a contact: one it
// knows on the channel, or (on channels that send to numbers) one with a
// phone number.
func recipientFor(seq int, contactID, phone string, known bool, caps channel.Capabilities) newRecipient {
	r := newRecipient{seq: seq, contactID: contactID, status: Pending}
	if !known && (phone == "" || caps.SelfDelivering) {
		r.status, r.code, r.reason = Skipped, CodeNoAddress, "no phone number, and the contact has never written on this channel"
		if caps.SelfDelivering {
			r.reason = "the contact has never written on this channel"
		}
	}
	return r
}

// identified tells which contacts have an identity on the channel.
func (s *Service) identified(ctx context.Context, channelID string, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var q store.Query
	q.WriteString("SELECT DISTINCT contact_id FROM contact_identities WHERE channel_id = " + q.Arg(channelID) +
		" AND contact_id IN " + q.In(ids))
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

type listedContact struct {
	phone    string
	known    bool
	optedOut bool
}

// listed loads the contacts of a list batch that exist in the workspace.
func (s *Service) listed(ctx context.Context, ws, channelID string, ids []string) (map[string]listedContact, error) {
	out := make(map[string]listedContact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var q store.Query
	q.WriteString("SELECT c.id, c.phone, EXISTS (SELECT 1 FROM contact_optouts o WHERE o.contact_id = c.id)" +
		" FROM contacts c WHERE c.workspace_id = " + q.Arg(ws) + " AND c.id IN " + q.In(ids))
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c listedContact
		if err := rows.Scan(&id, &c.phone, &c.optedOut); err != nil {
			return nil, err
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	known, err := s.identified(ctx, channelID, ids)
	for id, c := range out {
		c.known = known[id]
		out[id] = c
	}
	return out, err
}

// insertRecipients writes rows, a hundred a statement; rows already there
// (a contact listed twice) are left alone. It returns how many were written.
func insertRecipients(ctx context.Context, tx *store.Tx, broadcastID string, rows []newRecipient) (int, error) {
	now := store.Now()
	written := 0
	for start := 0; start < len(rows); start += 100 {
		var q store.Query
		q.WriteString("INSERT INTO broadcast_recipients (broadcast_id, seq, contact_id, status, error_code, error_reason, updated_at) VALUES ")
		for i, r := range rows[start:min(start+100, len(rows))] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + q.Arg(broadcastID) + ", " + q.Arg(r.seq) + ", " + q.Arg(r.contactID) + ", " + q.Arg(r.status) +
				", " + q.Arg(r.code) + ", " + q.Arg(r.reason) + ", " + q.Arg(now) + ")")
		}
		q.WriteString(" ON CONFLICT DO NOTHING")
		res, err := tx.X.ExecContext(ctx, q.String(), q.Args...)
		if err != nil {
			return written, err
		}
		n, _ := res.RowsAffected()
		written += int(n)
	}
	return written, nil
}
