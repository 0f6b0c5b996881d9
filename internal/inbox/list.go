package inbox

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"charla/internal/auth"
	"charla/internal/content"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

const conversationColumns = `SELECT c.id, c.workspace_id, c.channel_id, ch.name, ch.type, c.status,
	ct.id, ct.name, ct.email, ct.phone, c.assignee_id, COALESCE(u.name, ''), c.team_id, COALESCE(t.name, ''),
	c.unread_count, c.bot_paused, c.last_message_preview, c.last_activity_at, c.last_inbound_at,
	c.snoozed_until, c.created_at, c.referral
FROM conversations c
JOIN contacts ct ON ct.id = c.contact_id
JOIN channels ch ON ch.id = c.channel_id
LEFT JOIN users u ON u.id = c.assignee_id
LEFT JOIN teams t ON t.id = c.team_id
WHERE c.workspace_id = `

// Filter selects conversations for a list.
type Filter struct {
	// Status is open (default), pending, snoozed, closed or all.
	Status string
	// Assignee is "me", "unassigned", a user id, or "" for anyone.
	Assignee  string
	TeamID    string
	ChannelID string
	ContactID string
	// Q matches the contact's name, email or phone, or any message's text.
	Q      string
	Cursor string
	Limit  int
}

// ConversationPage is one page of conversations, most recently active first.
type ConversationPage struct {
	Conversations []Conversation
	Next          string
}

// List returns the conversations of the actor's workspace that match f.
func (s *Service) List(ctx context.Context, actor auth.User, f Filter) (ConversationPage, error) {
	limit := clampLimit(f.Limit)
	var q store.Query
	q.WriteString(conversationColumns + q.Arg(actor.WorkspaceID))
	switch f.Status {
	case "", Open:
		q.WriteString(" AND c.status = " + q.Arg(Open))
	case Pending, Snoozed, Closed:
		q.WriteString(" AND c.status = " + q.Arg(f.Status))
	case "all":
	default:
		return ConversationPage{}, problem.Field("status", "must be open, pending, snoozed, closed or all")
	}
	switch f.Assignee {
	case "":
	case "me":
		q.WriteString(" AND c.assignee_id = " + q.Arg(actor.ID))
	case "unassigned":
		q.WriteString(" AND c.assignee_id IS NULL")
	default:
		q.WriteString(" AND c.assignee_id = " + q.Arg(f.Assignee))
	}
	for col, v := range map[string]string{"c.team_id": f.TeamID, "c.channel_id": f.ChannelID, "c.contact_id": f.ContactID} {
		if v != "" {
			q.WriteString(" AND " + col + " = " + q.Arg(v))
		}
	}
	if f.Q != "" {
		p := q.Arg(store.Like(f.Q))
		q.WriteString(" AND (LOWER(ct.name) LIKE " + p + ` ESCAPE '\' OR ct.email LIKE ` + p + ` ESCAPE '\' OR ct.phone LIKE ` + p +
			` ESCAPE '\' OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND LOWER(m.body) LIKE ` + p + ` ESCAPE '\'))`)
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return ConversationPage{}, err
		}
		a, i := q.Arg(at), q.Arg(id)
		// A row-value comparison lets PostgreSQL walk the index straight to the page.
		q.WriteString(" AND (c.last_activity_at, c.id) < (" + a + ", " + i + ")")
	}
	q.WriteString(" ORDER BY c.last_activity_at DESC, c.id DESC LIMIT " + q.Arg(limit+1))
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return ConversationPage{}, err
	}
	defer rows.Close()
	page := ConversationPage{Conversations: []Conversation{}}
	for rows.Next() {
		c, err := s.scanConversation(rows)
		if err != nil {
			return ConversationPage{}, err
		}
		page.Conversations = append(page.Conversations, c)
	}
	if err := rows.Err(); err != nil {
		return ConversationPage{}, err
	}
	if len(page.Conversations) > limit {
		page.Conversations = page.Conversations[:limit]
		last := page.Conversations[limit-1]
		page.Next = encodeCursor(last.LastActivityAt, last.ID)
	}
	return page, nil
}

// Get returns one conversation of workspace ws.
func (s *Service) Get(ctx context.Context, ws, id string) (Conversation, error) {
	var q store.Query
	q.WriteString(conversationColumns + q.Arg(ws) + " AND c.id = " + q.Arg(id))
	c, err := s.scanConversation(s.db.R.QueryRowContext(ctx, q.String(), q.Args...))
	if err != nil {
		return Conversation{}, notFound(err, "conversation")
	}
	return c, nil
}

type scanner interface{ Scan(dest ...any) error }

func (s *Service) scanConversation(r scanner) (Conversation, error) {
	var c Conversation
	var assignee, team sql.NullString
	var inbound, snoozed sql.NullTime
	var unread int64
	var referral string
	err := r.Scan(&c.ID, &c.WorkspaceID, &c.ChannelID, &c.ChannelName, &c.ChannelType, &c.Status,
		&c.Contact.ID, &c.Contact.Name, &c.Contact.Email, &c.Contact.Phone, &assignee, &c.AssigneeName, &team, &c.TeamName,
		&unread, &c.BotPaused, &c.LastMessagePreview, &c.LastActivityAt, &inbound, &snoozed, &c.CreatedAt, &referral)
	if err != nil {
		return c, err
	}
	c.UnreadCount = int(unread)
	if referral != "" {
		_ = json.Unmarshal([]byte(referral), &c.Referral)
	}
	if assignee.Valid {
		c.AssigneeID = &assignee.String
	}
	if team.Valid {
		c.TeamID = &team.String
	}
	if inbound.Valid {
		c.LastInboundAt = &inbound.Time
	}
	if snoozed.Valid {
		c.SnoozedUntil = &snoozed.Time
	}
	c.LastActivityAt = c.LastActivityAt.UTC()
	c.CreatedAt = c.CreatedAt.UTC()
	if t, ok := s.channels.Types().Get(c.ChannelType); ok {
		c.Capabilities = t.Capabilities()
	}
	return c, nil
}

const messageColumns = `SELECT m.id, m.conversation_id, m.channel_id, m.direction, m.sender_type, m.sender_id,
	COALESCE(u.name, ct.name, ''), m.kind, m.body, m.content, m.status, m.error_code, m.error_title,
	m.error_details, m.error_reason, m.provider_message_id, m.pricing_category, m.created_at,
	q.id, q.direction, q.kind, q.body
FROM messages m
LEFT JOIN users u ON u.id = m.sender_id AND m.sender_type = 'user'
LEFT JOIN contacts ct ON ct.id = m.sender_id AND m.sender_type = 'contact'
LEFT JOIN messages q ON q.id = m.reply_to_id
WHERE m.workspace_id = `

// MessagePage is one page of a conversation's messages, newest first.
type MessagePage struct {
	Messages []Message
	Next     string
}

// Messages returns a page of a conversation's messages, newest first; the cursor walks back in time.
func (s *Service) Messages(ctx context.Context, ws, convID, cursor string, limit int) (MessagePage, error) {
	if _, err := s.db.Q.GetConversation(ctx, db.GetConversationParams{WorkspaceID: ws, ID: convID}); err != nil {
		return MessagePage{}, notFound(err, "conversation")
	}
	limit = clampLimit(limit)
	var q store.Query
	q.WriteString(messageColumns + q.Arg(ws) + " AND m.conversation_id = " + q.Arg(convID))
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return MessagePage{}, err
		}
		a, i := q.Arg(at), q.Arg(id)
		q.WriteString(" AND (m.created_at, m.id) < (" + a + ", " + i + ")")
	}
	q.WriteString(" ORDER BY m.created_at DESC, m.id DESC LIMIT " + q.Arg(limit+1))
	msgs, err := s.queryMessages(ctx, q)
	if err != nil {
		return MessagePage{}, err
	}
	page := MessagePage{Messages: msgs}
	if len(msgs) > limit {
		page.Messages = msgs[:limit]
		last := msgs[limit-1]
		page.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// Message returns one message of workspace ws.
func (s *Service) Message(ctx context.Context, ws, id string) (Message, error) {
	var q store.Query
	q.WriteString(messageColumns + q.Arg(ws) + " AND m.id = " + q.Arg(id))
	msgs, err := s.queryMessages(ctx, q)
	if err != nil {
		return Message{}, err
	}
	if len(msgs) == 0 {
		return Message{}, problem.NotFoundf("message")
	}
	return msgs[0], nil
}

func (s *Service) queryMessages(ctx context.Context, q store.Query) ([]Message, error) {
	rows, err := s.db.R.QueryContext(ctx, q.String(), q.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	msgs := []Message{}
	byID := map[string]int{}
	for rows.Next() {
		var m Message
		var senderID, provider, qID, qDir, qKind, qBody sql.NullString
		var body string
		var e SendError
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.ChannelID, &m.Direction, &m.Sender.Type, &senderID,
			&m.Sender.Name, &m.Kind, &m.Body, &body, &m.Status, &e.Code, &e.Title, &e.Details, &e.Reason,
			&provider, &m.PricingCategory, &m.CreatedAt, &qID, &qDir, &qKind, &qBody); err != nil {
			return nil, err
		}
		m.Sender.ID, m.ProviderMessageID = senderID.String, provider.String
		m.CreatedAt = m.CreatedAt.UTC()
		m.Content = content.Decode(body)
		if e != (SendError{}) {
			m.Error = &e
		}
		if qID.Valid {
			m.ReplyTo = &content.Quote{ID: qID.String, Direction: qDir.String, Kind: qKind.String, Body: qBody.String}
		}
		m.Attachments = []Attachment{}
		byID[m.ID] = len(msgs)
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil || len(msgs) == 0 {
		return msgs, err
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	var a store.Query
	a.WriteString("SELECT id, message_id, filename, content_type, size, storage_key, status, error FROM attachments WHERE message_id IN " + a.In(ids) + " ORDER BY created_at, id")
	arows, err := s.db.R.QueryContext(ctx, a.String(), a.Args...)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var at Attachment
		var msgID string
		if err := arows.Scan(&at.ID, &msgID, &at.Filename, &at.ContentType, &at.Size, &at.storageKey, &at.Status, &at.Error); err != nil {
			return nil, err
		}
		m := &msgs[byID[msgID]]
		m.Attachments = append(m.Attachments, at)
	}
	return msgs, arows.Err()
}

func clampLimit(n int) int {
	if n <= 0 {
		return 25
	}
	if n > 100 {
		return 100
	}
	return n
}

// A cursor is the sort key of the last row shown, opaque to clients.
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	bad := problem.Field("cursor", "is not a cursor this server gave out")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	at, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return at.UTC(), id, nil
}
