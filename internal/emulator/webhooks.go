package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"charla/internal/channel/whatsapp"
)

// ErrNoCallback is returned when a webhook is due but no CallbackURL is set.
var ErrNoCallback = errors.New("emulator: no callback URL")

// statusEvent is one queued status webhook.
type statusEvent struct {
	id, waID, status string
	template         bool
}

// Pending is how many status webhooks are queued.
func (e *Emulator) Pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.queue)
}

// Advance posts the oldest queued status webhook. It reports false when the
// queue was empty. On error the status stays queued.
func (e *Emulator) Advance(ctx context.Context) (bool, error) {
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	return e.advanceLocked(ctx)
}

// Flush posts every queued status webhook in order, stopping at the first
// error (that status stays queued).
func (e *Emulator) Flush(ctx context.Context) error {
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	for {
		ok, err := e.advanceLocked(ctx)
		if err != nil || !ok {
			return err
		}
	}
}

func (e *Emulator) advanceLocked(ctx context.Context) (bool, error) {
	e.mu.Lock()
	if len(e.queue) == 0 {
		e.mu.Unlock()
		return false, nil
	}
	ev := e.queue[0]
	now := e.cfg.Clock()
	e.mu.Unlock()
	if err := e.post(ctx, e.envelope("", nil, []any{statusObject(ev, now)})); err != nil {
		return false, fmt.Errorf("status %s for %s: %w", ev.status, ev.id, err)
	}
	e.mu.Lock()
	e.queue = e.queue[1:]
	e.mu.Unlock()
	return true, nil
}

func statusObject(ev statusEvent, now time.Time) map[string]any {
	category, typ := "service", "free_customer_service"
	if ev.template {
		category, typ = "utility", "regular"
	}
	st := map[string]any{
		"id":           ev.id,
		"status":       ev.status,
		"timestamp":    unix(now),
		"recipient_id": ev.waID,
		"pricing":      map[string]any{"billable": ev.template, "pricing_model": "PMP", "category": category, "type": typ},
	}
	if ev.status == "sent" {
		st["conversation"] = map[string]any{
			"id":                   "conv-" + ev.id,
			"expiration_timestamp": unix(now.Add(24 * time.Hour)),
			"origin":               map[string]string{"type": category},
		}
	}
	return st
}

// envelope builds a "messages" webhook body. contacts is set for inbound
// messages; statuses and messages go in their lists.
func (e *Emulator) envelope(profileName string, messages []any, statuses []any) []byte {
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
	body, _ := json.Marshal(map[string]any{
		"object": whatsapp.Object,
		"entry": []any{map[string]any{
			"id":      e.cfg.WABAID,
			"changes": []any{map[string]any{"field": "messages", "value": value}},
		}},
	})
	return body
}

// post delivers one signed webhook; a non-2xx answer is an error.
func (e *Emulator) post(ctx context.Context, body []byte) error {
	url := e.Callback()
	if url == "" {
		return ErrNoCallback
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", whatsapp.Sign(body, e.cfg.AppSecret))
	resp, err := e.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("callback answered %s", resp.Status)
	}
	return nil
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
