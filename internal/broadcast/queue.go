package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/templates"
)

// queueBatch hands up to n pending recipients to the send pipeline in one
// transaction: each gets its message written into its conversation, is
// marked queued with the message's id, and the sends are enqueued — all or
// nothing, which is what makes each recipient queued exactly once. A
// recipient that cannot get the message (a missing variable, the contact
// deleted or opted out since) is marked failed or skipped alone. It
// returns how many recipients it took (0: none was pending).
func (s *Service) queueBatch(ctx context.Context, b db.Broadcast, ch channel.Channel, tmpl *templates.Template, values templates.Values, n int) (int, error) {
	taken := 0
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		taken = 0
		pending, err := claim(ctx, tx, b.ID, n)
		if err != nil || len(pending) == 0 {
			return err
		}
		taken = len(pending)
		ids := make([]string, len(pending))
		for i, p := range pending {
			ids[i] = p.ContactID
		}
		people, err := loadContacts(ctx, tx, b.WorkspaceID, ids)
		if err != nil {
			return err
		}
		now := store.Now()
		var queued []string
		for _, p := range pending {
			c, ok := people[p.ContactID]
			var status, code, why string
			switch {
			case !ok:
				status, code, why = Skipped, CodeContactDeleted, "the contact was deleted"
			case c.optedOut:
				status, code, why = Skipped, CodeOptedOut, "the contact opted out of broadcasts"
			}
			var draft inbox.BulkDraft
			if status == "" {
				if draft, why = draftFor(b, tmpl, values, c.Contact); why != "" {
					status, code = Failed, CodeVariable
				}
			}
			var m inbox.BulkMessage
			if status == "" {
				m, err = s.inbox.ComposeBulkTx(ctx, tx, ch, draft)
				if p := problem.As(err); err != nil && p.Kind == problem.Internal {
					return err
				} else if err != nil {
					status, code, why = Failed, CodeNotSendable, explain(err)
				}
			}
			if status != "" {
				if _, err := tx.Q.MarkRecipientUnsent(ctx, db.MarkRecipientUnsentParams{BroadcastID: b.ID, Seq: p.Seq,
					Status: status, ErrorCode: code, ErrorReason: why, UpdatedAt: now}); err != nil {
					return err
				}
				continue
			}
			status = Queued
			if m.Status == inbox.Sent {
				status = Sent // a self-delivering channel delivered it on commit
			} else {
				queued = append(queued, m.MessageID)
			}
			k, err := tx.Q.MarkRecipientQueued(ctx, db.MarkRecipientQueuedParams{BroadcastID: b.ID, Seq: p.Seq, Status: status,
				MessageID: nullString(m.MessageID), ConversationID: nullString(m.ConversationID), QueuedAt: nullTime(now),
				ReplyUntil: nullTime(now.Add(s.cfg.ReplyWindow))})
			if err != nil {
				return err
			}
			if k != 1 {
				return errRaced
			}
		}
		return s.out.SendBulkTx(ctx, tx, queued)
	})
	if err != nil {
		return 0, err
	}
	return taken, nil
}

// claim takes the next pending recipients. On PostgreSQL the rows stay
// locked until the transaction ends and a concurrent feeder skips them; on
// SQLite the one writer already makes the transaction exclusive.
func claim(ctx context.Context, tx *store.Tx, broadcastID string, n int) ([]db.PendingRecipientsRow, error) {
	if tx.Dialect != store.Postgres {
		return tx.Q.PendingRecipients(ctx, db.PendingRecipientsParams{BroadcastID: broadcastID, Limit: int32(n)})
	}
	rows, err := tx.X.QueryContext(ctx, `SELECT seq, contact_id FROM broadcast_recipients
		WHERE broadcast_id = $1 AND status = 'pending' ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`, broadcastID, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []db.PendingRecipientsRow
	for rows.Next() {
		var r db.PendingRecipientsRow
		if err := rows.Scan(&r.Seq, &r.ContactID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

type feedContact struct {
	contacts.Contact
	optedOut bool
}

// loadContacts reads a batch's contacts as they are now.
func loadContacts(ctx context.Context, tx *store.Tx, ws string, ids []string) (map[string]feedContact, error) {
	var q store.Query
	q.WriteString("SELECT c.id, c.name, c.phone, c.email, c.attributes, EXISTS (SELECT 1 FROM contact_optouts o WHERE o.contact_id = c.id)" +
		" FROM contacts c WHERE c.workspace_id = " + q.Arg(ws) + " AND c.id IN " + q.In(ids))
	rows, err := tx.X.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]feedContact, len(ids))
	for rows.Next() {
		var c feedContact
		var attrs string
		if err := rows.Scan(&c.ID, &c.Name, &c.Phone, &c.Email, &attrs, &c.optedOut); err != nil {
			return nil, err
		}
		if json.Unmarshal([]byte(attrs), &c.Attributes) != nil {
			c.Attributes = map[string]any{}
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// draftFor is the message for one contact, or why it cannot have one (a
// variable the contact lacks).
func draftFor(b db.Broadcast, t *templates.Template, v templates.Values, c contacts.Contact) (inbox.BulkDraft, string) {
	d := inbox.BulkDraft{ContactID: c.ID, Body: b.Body}
	if t == nil {
		return d, ""
	}
	v.Vars = templates.ResolveVars(c, "")
	r, err := templates.Render(*t, v)
	if err != nil {
		return d, explain(err)
	}
	d.Kind, d.Body, d.Content = content.KindTemplate, "", &content.Content{Template: &r.Template}
	return d, ""
}

// explain turns a problem into one plain sentence for a recipient's row or
// a pause reason: each field with what is wrong with it.
func explain(err error) string {
	var p *problem.Error
	if !errors.As(err, &p) {
		return err.Error()
	}
	if len(p.Fields) == 0 {
		return p.Message
	}
	keys := make([]string, 0, len(p.Fields))
	for k := range p.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + p.Fields[k]
		if k == "template" || k == "body" {
			parts[i] = p.Fields[k] // already a sentence
		}
	}
	return strings.Join(parts, "; ")
}
