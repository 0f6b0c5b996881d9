package api

import (
	"errors"
	"strings"
	"time"

	"charla/internal/broadcast"
	"charla/internal/problem"
	"charla/internal/templates"
)

// The spec's broadcast schemas, mapped field by field from
// internal/broadcast like every other response (see json.go).

// broadcastJSON is the spec's Broadcast.
type broadcastJSON struct {
	ID               string                 `json:"id"`
	ChannelID        string                 `json:"channel_id"`
	Name             string                 `json:"name"`
	Status           string                 `json:"status"`
	PauseReason      *string                `json:"pause_reason"`
	Template         *broadcastTemplateJSON `json:"template"`
	Text             *string                `json:"text"`
	Audience         audienceOutJSON        `json:"audience"`
	ScheduledAt      *string                `json:"scheduled_at"`
	TimeZone         string                 `json:"time_zone"`
	CreatedBy        *string                `json:"created_by"`
	Counts           countsJSON             `json:"counts"`
	AudienceComplete bool                   `json:"audience_complete"`
	CreatedAt        string                 `json:"created_at"`
	UpdatedAt        string                 `json:"updated_at"`
	StartedAt        *string                `json:"started_at"`
	FinishedAt       *string                `json:"finished_at"`
}

// broadcastTemplateJSON is the spec's BroadcastTemplate, in requests and
// responses. The API calls the service's values "variables", as template
// sends do.
type broadcastTemplateJSON struct {
	Name      string           `json:"name"`
	Language  string           `json:"language,omitempty"`
	Variables templates.Values `json:"variables"`
}

// audienceOutJSON is the spec's BroadcastAudience. A list audience is shown
// by its size: repeating up to 100,000 ids in every response would swamp lists.
type audienceOutJSON struct {
	SegmentID    string      `json:"segment_id,omitempty"`
	Filter       *filterJSON `json:"filter,omitempty"`
	ContactCount *int        `json:"contact_count,omitempty"`
}

type countsJSON struct {
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Queued    int `json:"queued"`
	Held      int `json:"held"`
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	Cancelled int `json:"cancelled"`
	Replied   int `json:"replied"`
}

func broadcastOut(b broadcast.Broadcast) broadcastJSON {
	c := b.Counts
	out := broadcastJSON{ID: b.ID, ChannelID: b.ChannelID, Name: b.Name, Status: b.Status,
		PauseReason: optString(b.PauseReason), Text: optString(b.Text), ScheduledAt: optTimestamp(b.ScheduledAt),
		TimeZone: b.TimeZone, CreatedBy: optString(b.CreatedBy), AudienceComplete: b.AudienceComplete,
		Counts: countsJSON{Total: c.Total, Pending: c.Pending, Queued: c.Queued, Held: c.Held, Sent: c.Sent,
			Delivered: c.Delivered, Read: c.Read, Failed: c.Failed, Skipped: c.Skipped, Cancelled: c.Cancelled,
			Replied: c.Replied},
		CreatedAt: timestamp(b.CreatedAt), UpdatedAt: timestamp(b.UpdatedAt),
		StartedAt: optTimestamp(b.StartedAt), FinishedAt: optTimestamp(b.FinishedAt)}
	if t := b.Template; t != nil {
		out.Template = &broadcastTemplateJSON{Name: t.Name, Language: t.Language, Variables: t.Values}
	}
	a := b.Audience
	out.Audience.SegmentID = a.SegmentID
	if a.Filter != nil {
		f := filterOut(*a.Filter)
		out.Audience.Filter = &f
	}
	if len(a.ContactIDs) > 0 {
		n := len(a.ContactIDs)
		out.Audience.ContactCount = &n
	}
	return out
}

// estimateJSON is the spec's BroadcastEstimate. The service's sentinel
// limits (0 unknown, -1 none) become null, the warning saying which.
type estimateJSON struct {
	Recipients      int     `json:"recipients"`
	Rate            string  `json:"rate"`
	PerSecond       float64 `json:"per_second"`
	DurationSeconds float64 `json:"duration_seconds"`
	Limit           *int    `json:"limit"`
	Used            int     `json:"used"`
	LimitLeft       *int    `json:"limit_left"`
	Fits            bool    `json:"fits"`
	Warning         *string `json:"warning"`
}

func estimateOut(e broadcast.Estimate) estimateJSON {
	out := estimateJSON{Recipients: e.Recipients, Rate: e.Rate, PerSecond: e.PerSecond, DurationSeconds: e.Seconds,
		Used: e.Used, Fits: e.Fits, Warning: optString(e.Warning)}
	if e.Limit > 0 {
		limit, left := e.Limit, e.LimitLeft
		out.Limit, out.LimitLeft = &limit, &left
	}
	return out
}

// recipientJSON is the spec's BroadcastRecipient.
type recipientJSON struct {
	Seq       int                 `json:"seq"`
	ContactID string              `json:"contact_id"`
	Name      string              `json:"name"`
	Phone     string              `json:"phone"`
	Status    string              `json:"status"`
	MessageID *string             `json:"message_id"`
	Error     *recipientErrorJSON `json:"error"`
	QueuedAt  *time.Time          `json:"queued_at"`
	RepliedAt *time.Time          `json:"replied_at"`
	UpdatedAt time.Time           `json:"updated_at"`
}

type recipientErrorJSON struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

func recipientOut(r broadcast.Recipient) recipientJSON {
	out := recipientJSON{Seq: r.Seq, ContactID: r.ContactID, Name: r.Name, Phone: r.Phone, Status: r.Status,
		MessageID: optString(r.MessageID), QueuedAt: r.QueuedAt, RepliedAt: r.RepliedAt,
		UpdatedAt: r.UpdatedAt}
	if r.ErrorCode != "" || r.ErrorReason != "" {
		out.Error = &recipientErrorJSON{Code: r.ErrorCode, Reason: r.ErrorReason}
	}
	return out
}

// reportJSON is the spec's BroadcastReport.
type reportJSON struct {
	Broadcast    broadcastJSON `json:"broadcast"`
	DeliveryRate float64       `json:"delivery_rate"`
	ReadRate     float64       `json:"read_rate"`
	ReplyRate    float64       `json:"reply_rate"`
	Failures     []failureJSON `json:"failures"`
}

type failureJSON struct {
	Status    string  `json:"status"`
	Code      string  `json:"code"`
	Count     int     `json:"count"`
	Reason    string  `json:"reason"`
	Advice    *string `json:"advice"`
	Retryable bool    `json:"retryable"`
}

func reportOut(r broadcast.Report) reportJSON {
	out := reportJSON{Broadcast: broadcastOut(r.Broadcast), DeliveryRate: r.DeliveryRate, ReadRate: r.ReadRate,
		ReplyRate: r.ReplyRate, Failures: make([]failureJSON, len(r.Failures))}
	for i, f := range r.Failures {
		out.Failures[i] = failureJSON{Status: f.Status, Code: f.Code, Count: f.Count, Reason: f.Reason,
			Advice: optString(f.Advice), Retryable: f.Retryable}
	}
	return out
}

// retryJSON is the spec's BroadcastRetryResult.
type retryJSON struct {
	Retried   int           `json:"retried"`
	Broadcast broadcastJSON `json:"broadcast"`
}

// broadcastErr names the request's fields in the service's field errors:
// the service calls a template's variables its values.
func broadcastErr(err error) error {
	p, ok := errors.AsType[*problem.Error](err)
	if !ok || len(p.Fields) == 0 {
		return err
	}
	fields := make(map[string]string, len(p.Fields))
	for k, v := range p.Fields {
		if rest, ok := strings.CutPrefix(k, "template.values"); ok {
			k = "template.variables" + rest
		}
		fields[k] = v
	}
	return &problem.Error{Kind: p.Kind, Message: p.Message, Fields: fields}
}
