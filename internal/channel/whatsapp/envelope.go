// Package whatsapp reads what the WhatsApp Cloud API (directly or through
// 360dialog, which forwards Meta's envelope unchanged) delivers to a webhook:
// it verifies the signature and the subscription handshake and turns a
// payload into a normalized Batch. It is a pure parsing layer: routing to
// channels and storing belong to the inbox.
package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"charla/internal/problem"
)

// Object is the envelope's "object" for WhatsApp Business Account webhooks.
const Object = "whatsapp_business_account"

// Batch is everything one webhook delivery carried, in payload order within
// each list.
type Batch struct {
	Messages []Message
	Statuses []Status
	// Errors are value-level errors (value.errors[]), not tied to a message.
	Errors []WebhookError
	// AccountUpdates holds every change whose field is not "messages"
	// (account_update, phone_number_quality_update, template events, group
	// events, …) and any "messages" value carrying keys this package does not
	// model, so nothing is dropped.
	AccountUpdates []Change
}

// Len is the number of items in b.
func (b Batch) Len() int {
	return len(b.Messages) + len(b.Statuses) + len(b.Errors) + len(b.AccountUpdates)
}

// Change is one entry[].changes[] item kept as raw JSON; ParseQualityUpdate
// and ParseTemplateStatusUpdate decode the common ones.
type Change struct {
	Field  string
	WABAID string
	// PhoneNumberID is value.metadata.phone_number_id when the value has one.
	PhoneNumberID string
	Value         json.RawMessage
	// Time is entry[].time (sent with account and template events).
	Time time.Time
}

// Parse decodes a webhook body. A malformed envelope (not JSON, wrong
// object, no entries, changes that are not objects …) is a problem.BadRequest
// error saying what is wrong. Inside a well-formed envelope nothing is
// dropped: odd fields are recorded in the items' Problems and every item
// keeps its Raw JSON.
func Parse(body []byte) (Batch, error) {
	var b Batch
	top, err := newObject(body, nil)
	if err != nil {
		return b, malformed("body %s", err)
	}
	var obj string
	if top.has("object") {
		if err := json.Unmarshal(top.m["object"], &obj); err != nil {
			return b, malformed("object is %s, not a string", jsonKind(bytes.TrimSpace(top.m["object"])))
		}
	} else {
		if top.has("messages") || top.has("statuses") || top.has("contacts") {
			return b, malformed("object is missing: this looks like a legacy On-Premises payload, only Cloud API envelopes are supported")
		}
		return b, malformed("object is missing, want %q", Object)
	}
	if obj != Object {
		return b, malformed("object is %q, want %q (Messenger and Instagram webhooks are not WhatsApp)", obj, Object)
	}
	var entries []json.RawMessage
	if err := decodeArray(top, "entry", &entries); err != nil {
		return b, malformed("entry %s", err)
	}
	if len(entries) == 0 {
		return b, malformed("entry is empty")
	}
	for i, raw := range entries {
		if err := b.addEntry(raw); err != nil {
			return Batch{}, malformed("entry[%d]%s", i, err)
		}
	}
	return b, nil
}

func (b *Batch) addEntry(raw json.RawMessage) error {
	e, err := spanObject(raw, nil)
	if err != nil {
		return fmt.Errorf(" %s", err)
	}
	var id flexString
	if e.has("id") {
		if err := json.Unmarshal(e.m["id"], &id); err != nil {
			return fmt.Errorf(".id is %s, not a string", jsonKind(bytes.TrimSpace(e.m["id"])))
		}
	}
	var at flexTime
	if e.has("time") {
		// entry.time only dates account events; an odd one is not worth a 400.
		_ = json.Unmarshal(e.m["time"], &at)
	}
	var changes []json.RawMessage
	if err := decodeArray(e, "changes", &changes); err != nil {
		return fmt.Errorf(".changes %s", err)
	}
	for j, raw := range changes {
		if err := b.addChange(raw, string(id), time.Time(at)); err != nil {
			return fmt.Errorf(".changes[%d]%s", j, err)
		}
	}
	return nil
}

func (b *Batch) addChange(raw json.RawMessage, wabaID string, at time.Time) error {
	c, err := spanObject(raw, nil)
	if err != nil {
		return fmt.Errorf(" %s", err)
	}
	var field string
	if c.has("field") {
		if err := json.Unmarshal(c.m["field"], &field); err != nil {
			return fmt.Errorf(".field is %s, not a string", jsonKind(bytes.TrimSpace(c.m["field"])))
		}
	}
	if field == "" {
		return fmt.Errorf(".field is missing")
	}
	value := c.m["value"]
	if field != "messages" {
		b.AccountUpdates = append(b.AccountUpdates, Change{
			Field: field, WABAID: wabaID, PhoneNumberID: metadataPhoneID(value), Value: value, Time: at,
		})
		return nil
	}
	return b.addMessagesValue(value, wabaID, at)
}

// valueKeys are the keys of a "messages" value that this package models.
var valueKeys = map[string]bool{
	"messaging_product": true, "metadata": true, "contacts": true,
	"messages": true, "statuses": true, "errors": true,
}

func (b *Batch) addMessagesValue(raw json.RawMessage, wabaID string, at time.Time) error {
	if raw == nil {
		return fmt.Errorf(".value is missing")
	}
	info := valueInfo{wabaID: wabaID}
	v, err := spanObject(raw, &info.problems)
	if err != nil {
		return fmt.Errorf(".value %s", err)
	}
	var lists [3][]json.RawMessage
	for i, key := range []string{"messages", "statuses", "errors"} {
		if err := decodeArray(v, key, &lists[i]); err != nil && v.has(key) {
			return fmt.Errorf(".value.%s %s", key, err)
		}
		for k, item := range lists[i] {
			if t := bytes.TrimSpace(item); len(t) == 0 || t[0] != '{' {
				return fmt.Errorf(".value.%s[%d] is %s, not a JSON object", key, k, jsonKind(t))
			}
		}
	}
	var meta struct {
		PhoneNumberID      flexString `json:"phone_number_id"`
		DisplayPhoneNumber flexString `json:"display_phone_number"`
	}
	v.decode("metadata", &meta)
	info.phoneNumberID, info.displayPhone = string(meta.PhoneNumberID), string(meta.DisplayPhoneNumber)
	info.contacts = decodeSenders(v)

	for _, m := range lists[0] {
		b.Messages = append(b.Messages, parseMessage(m, &info))
	}
	for _, s := range lists[1] {
		b.Statuses = append(b.Statuses, parseStatus(s, &info))
	}
	for _, e := range lists[2] {
		b.Errors = append(b.Errors, parseWebhookError(e, &info))
	}

	// Keep what is not modelled: unknown keys, or a value that yielded no
	// item at all.
	extra := len(lists[0])+len(lists[1])+len(lists[2]) == 0
	for k := range v.m {
		if !valueKeys[k] {
			extra = true
		}
	}
	if extra {
		b.AccountUpdates = append(b.AccountUpdates, Change{
			Field: "messages", WABAID: wabaID, PhoneNumberID: info.phoneNumberID, Value: raw, Time: at,
		})
	}
	return nil
}

// decodeSenders reads value.contacts[]; a malformed profile only costs the
// sender's name, so it becomes a problem shared by the value's items.
func decodeSenders(v object) []sender {
	raws, ok := v.items("contacts")
	if !ok {
		return nil
	}
	out := make([]sender, 0, len(raws))
	for i, raw := range raws {
		var s sender
		if err := json.Unmarshal(raw, &s); err != nil {
			v.problem(fmt.Sprintf("contacts[%d]", i), err)
			continue
		}
		out = append(out, s)
	}
	return out
}

func parseWebhookError(raw json.RawMessage, v *valueInfo) WebhookError {
	w := WebhookError{PhoneNumberID: v.phoneNumberID, WABAID: v.wabaID, Raw: raw}
	w.Problems = append(w.Problems, v.problems...)
	var d errorDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		w.Problems = append(w.Problems, "error: "+cleanErr(err))
	}
	w.Error = d.error()
	if len(w.Problems) == 0 {
		w.Problems = nil
	}
	return w
}

// metadataPhoneID reads value.metadata.phone_number_id, best effort.
func metadataPhoneID(value json.RawMessage) string {
	var v struct {
		Metadata struct {
			PhoneNumberID flexString `json:"phone_number_id"`
		} `json:"metadata"`
	}
	if json.Unmarshal(value, &v) != nil {
		return ""
	}
	return string(v.Metadata.PhoneNumberID)
}

// decodeArray reads key as a JSON array (a span newObject checked); a
// missing or null key is an error.
func decodeArray(o object, key string, dst *[]json.RawMessage) error {
	if !o.has(key) {
		return fmt.Errorf("is missing")
	}
	t := bytes.TrimSpace(o.m[key])
	if t[0] != '[' {
		return fmt.Errorf("is %s, not an array", jsonKind(t))
	}
	*dst = splitArray(t)
	return nil
}

func malformed(format string, args ...any) error {
	return problem.New(problem.BadRequest, "malformed WhatsApp webhook: "+format, args...)
}
