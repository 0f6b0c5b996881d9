package broadcast

import (
	"context"
	"strconv"
	"time"

	"charla/internal/problem"
	"charla/internal/store/db"
)

// Get returns one broadcast with its counts as they are now.
func (s *Service) Get(ctx context.Context, ws, id string) (Broadcast, error) {
	r, err := s.row(ctx, ws, id)
	if err != nil {
		return Broadcast{}, err
	}
	b := fromRow(r)
	if r.Status != Draft {
		if b.Counts, err = s.counts(ctx, id); err != nil {
			return Broadcast{}, err
		}
	}
	return b, nil
}

// Page is a page of broadcasts, newest first; Next continues it ("" at the end).
type Page struct {
	Broadcasts []Broadcast `json:"broadcasts"`
	Next       string      `json:"next"`
}

// List returns the workspace's broadcasts, newest first, optionally of one
// status; counts are as last announced (Get has them live).
func (s *Service) List(ctx context.Context, ws, status, cursor string, limit int) (Page, error) {
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	rows, err := s.db.Q.ListBroadcasts(ctx, db.ListBroadcastsParams{WorkspaceID: ws, Status: status, Before: cursor, Lim: int32(limit + 1)})
	if err != nil {
		return Page{}, err
	}
	p := Page{Broadcasts: []Broadcast{}}
	for _, r := range rows {
		p.Broadcasts = append(p.Broadcasts, fromRow(r))
	}
	if len(p.Broadcasts) > limit {
		p.Broadcasts = p.Broadcasts[:limit]
		p.Next = p.Broadcasts[limit-1].ID
	}
	return p, nil
}

// Recipient is one contact of a broadcast and what became of its message.
type Recipient struct {
	Seq         int        `json:"seq"`
	ContactID   string     `json:"contact_id"`
	Name        string     `json:"name"`
	Phone       string     `json:"phone"`
	Status      string     `json:"status"`
	MessageID   string     `json:"message_id"`
	ErrorCode   string     `json:"error_code"`
	ErrorReason string     `json:"error_reason"`
	QueuedAt    *time.Time `json:"queued_at"`
	RepliedAt   *time.Time `json:"replied_at"`
	// UpdatedAt is when the recipient's status last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// RecipientPage is a page of recipients in audience order.
type RecipientPage struct {
	Recipients []Recipient `json:"recipients"`
	Next       string      `json:"next"`
}

// Recipients lists a broadcast's recipients in audience order, optionally
// those in one status ("replied" for those who replied); cursor is the
// previous page's Next.
func (s *Service) Recipients(ctx context.Context, ws, id, status, cursor string, limit int) (RecipientPage, error) {
	if _, err := s.row(ctx, ws, id); err != nil {
		return RecipientPage{}, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	after := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return RecipientPage{}, problem.Field("cursor", "must be the next value of a previous page")
		}
		after = n
	}
	rows, err := s.db.Q.ListRecipients(ctx, db.ListRecipientsParams{BroadcastID: id, AfterSeq: int32(after), Status: status, Lim: int32(limit + 1)})
	if err != nil {
		return RecipientPage{}, err
	}
	p := RecipientPage{Recipients: []Recipient{}}
	for _, r := range rows {
		rc := Recipient{Seq: int(r.Seq), ContactID: r.ContactID, Name: r.Name, Phone: r.Phone, Status: r.Status,
			MessageID: r.MessageID.String, ErrorCode: r.ErrorCode, ErrorReason: r.ErrorReason,
			QueuedAt: timePtr(r.QueuedAt), RepliedAt: timePtr(r.RepliedAt), UpdatedAt: r.UpdatedAt.UTC()}
		p.Recipients = append(p.Recipients, rc)
	}
	if len(p.Recipients) > limit {
		p.Recipients = p.Recipients[:limit]
		p.Next = strconv.Itoa(p.Recipients[limit-1].Seq)
	}
	return p, nil
}

// Report is how a broadcast went: rates and failures by cause.
type Report struct {
	Broadcast Broadcast `json:"broadcast"`
	// DeliveryRate is delivered ÷ sent, ReadRate read ÷ delivered,
	// ReplyRate replied ÷ sent (0 when nothing was sent).
	DeliveryRate float64 `json:"delivery_rate"`
	ReadRate     float64 `json:"read_rate"`
	ReplyRate    float64 `json:"reply_rate"`
	// Failures are failed and skipped recipients grouped by code, most first.
	Failures []Failure `json:"failures"`
}

// Failure is one cause of failed or skipped recipients.
type Failure struct {
	Status string `json:"status"` // failed or skipped
	// Code is the provider's error code, or charla's (CodeNoAddress …).
	Code  string `json:"code"`
	Count int    `json:"count"`
	// Reason is the plain explanation recorded with one of them.
	Reason string `json:"reason"`
	// Advice says what to do; Retryable whether "retry failed" sends to them again.
	Advice    string `json:"advice"`
	Retryable bool   `json:"retryable"`
}

// Report returns a broadcast's delivery, read and reply rates and its
// failures grouped by code, each with its explanation and what to do.
func (s *Service) Report(ctx context.Context, ws, id string) (Report, error) {
	b, err := s.Get(ctx, ws, id)
	if err != nil {
		return Report{}, err
	}
	rows, err := s.db.Q.FailuresByCode(ctx, id)
	if err != nil {
		return Report{}, err
	}
	r := Report{Broadcast: b, Failures: []Failure{},
		DeliveryRate: ratio(b.Counts.Delivered, b.Counts.Sent), ReadRate: ratio(b.Counts.Read, b.Counts.Delivered),
		ReplyRate: ratio(b.Counts.Replied, b.Counts.Sent)}
	for _, f := range rows {
		reason, _ := f.Reason.(string)
		r.Failures = append(r.Failures, Failure{Status: f.Status, Code: f.ErrorCode, Count: int(f.N), Reason: reason,
			Advice: Advice(f.ErrorCode), Retryable: f.Status == Failed && Retryable(f.ErrorCode, reason)})
	}
	return r, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
