package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"charla/internal/channel/whatsapp"
)

// statusEvent is one status that will happen to an accepted message.
type statusEvent struct {
	id, waID, status string
	// category is the template's category, lowercase, for a template
	// send; empty for a free-form (service) message.
	category     string
	callbackData string
	// failure is the error of a "failed" status (nil: the configured one).
	failure *Failure
}

// Failure is the error a failed status reports, in Meta's terms.
type Failure struct {
	Code           int
	Title, Details string
}

// queueStatuses schedules statuses: at once in auto mode, at Advance/Flush
// otherwise.
func (e *Emulator) queueStatuses(evs ...statusEvent) {
	if e.cfg.AutoStatuses {
		e.releaseStatuses(evs...)
		return
	}
	e.out.mu.Lock()
	e.out.pending = append(e.out.pending, evs...)
	e.out.mu.Unlock()
}

// releaseStatuses makes statuses happen now: the message's Status moves
// and each webhook is rendered, with the clock's time, into the outbox.
func (e *Emulator) releaseStatuses(evs ...statusEvent) {
	now := e.cfg.Clock()
	ds := make([]delivery, 0, len(evs))
	for _, ev := range evs {
		e.log.setStatus(ev.id, ev.status)
		ds = append(ds, delivery{
			body: e.messagesEnvelope("", nil, []any{statusObject(ev, now)}),
			what: fmt.Sprintf("status %s for %s", ev.status, ev.id),
		})
	}
	e.emit(ds...)
}

// Pending is how many webhooks are not delivered yet: statuses waiting for
// Advance/Flush plus deliveries due (including failed ones).
func (e *Emulator) Pending() int {
	e.out.mu.Lock()
	defer e.out.mu.Unlock()
	return len(e.out.pending) + len(e.out.due)
}

// Advance delivers what is already due (earlier failures first), then
// makes the oldest waiting status happen and posts it. It reports false
// when no status was waiting. On error the delivery stays queued.
func (e *Emulator) Advance(ctx context.Context) (bool, error) {
	e.out.postMu.Lock()
	defer e.out.postMu.Unlock()
	if err := e.drainLocked(ctx); err != nil {
		return false, err
	}
	e.out.mu.Lock()
	if len(e.out.pending) == 0 {
		e.out.mu.Unlock()
		return false, nil
	}
	ev := e.out.pending[0]
	e.out.pending = e.out.pending[1:]
	e.out.mu.Unlock()
	e.releaseStatuses(ev)
	// Drain rather than post one: something else may have become due
	// meanwhile (a template decision), and it is ahead in order.
	if err := e.drainLocked(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// Flush makes every waiting status happen and posts everything due in
// order, stopping at the first error (that delivery and the ones after it
// stay queued).
func (e *Emulator) Flush(ctx context.Context) error {
	e.out.postMu.Lock()
	defer e.out.postMu.Unlock()
	e.out.mu.Lock()
	evs := e.out.pending
	e.out.pending = nil
	e.out.mu.Unlock()
	if len(evs) > 0 {
		e.releaseStatuses(evs...)
	}
	return e.drainLocked(ctx)
}

func statusObject(ev statusEvent, now time.Time) map[string]any {
	category, typ := "service", "free_customer_service"
	if ev.category != "" {
		category, typ = ev.category, "regular"
	}
	st := map[string]any{
		"id":           ev.id,
		"status":       ev.status,
		"timestamp":    unix(now),
		"recipient_id": ev.waID,
		"pricing":      map[string]any{"billable": ev.category != "", "pricing_model": "PMP", "category": category, "type": typ},
	}
	if ev.status == "sent" {
		st["conversation"] = map[string]any{
			"id":                   "conv-" + ev.id,
			"expiration_timestamp": unix(now.Add(24 * time.Hour)),
			"origin":               map[string]string{"type": category},
		}
	}
	if ev.status == "failed" {
		// Only when a test asks for it: say so in Meta's error shape.
		f := Failure{Code: 131000, Title: "Something went wrong", Details: "The emulator is configured to fail every message."}
		if ev.failure != nil {
			f = *ev.failure
		}
		st["errors"] = []any{map[string]any{
			"code": f.Code, "title": f.Title, "message": f.Title,
			"error_data": map[string]string{"details": f.Details},
			"href":       "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
		}}
	}
	if ev.callbackData != "" {
		// Meta echoes what the sender set, on every status of the message.
		st["biz_opaque_callback_data"] = ev.callbackData
	}
	return st
}

// messagesEnvelope builds a "messages" webhook body. contacts is set for
// inbound messages; statuses and messages go in their lists.
func (e *Emulator) messagesEnvelope(profileName string, messages []any, statuses []any) []byte {
	value := map[string]any{
		"messaging_product": "whatsapp",
		"metadata": map[string]string{
			"display_phone_number": e.cfg.DisplayPhoneNumber,
			"phone_number_id":      e.cfg.PhoneNumberID,
		},
	}
	if messages != nil {
		from, _ := messages[0].(map[string]any)["from"].(string)
		value["contacts"] = []any{map[string]any{"profile": map[string]string{"name": profileName}, "wa_id": from}}
		value["messages"] = messages
	}
	if statuses != nil {
		value["statuses"] = statuses
	}
	return e.envelope(map[string]any{"changes": []any{map[string]any{"field": "messages", "value": value}}})
}

// envelope wraps one entry (its changes, and time for account events) in
// the WABA's webhook body.
func (e *Emulator) envelope(entry map[string]any) []byte {
	entry["id"] = e.cfg.WABAID
	body, _ := json.Marshal(map[string]any{"object": whatsapp.Object, "entry": []any{entry}})
	return body
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
