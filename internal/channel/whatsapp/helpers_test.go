package whatsapp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// wireItems walks a payload generically (independently of Parse) and
// returns the raw items a correct parser must surface, in order.
type wireItems struct {
	messages, statuses, errors []json.RawMessage
	// changes counts entry changes whose field is not "messages", plus
	// "messages" values that carry unmodelled keys or no item.
	changes int
}

func walkWire(t testing.TB, body []byte) wireItems {
	t.Helper()
	// Maps, not structs: Parse matches keys exactly, encoding/json's struct
	// decoding would also accept "Entry".
	obj := func(raw json.RawMessage) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("walkWire: %v", err)
		}
		return m
	}
	arr := func(raw json.RawMessage) []json.RawMessage {
		var a []json.RawMessage
		if raw != nil {
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatalf("walkWire: %v", err)
			}
		}
		return a
	}
	var w wireItems
	for _, e := range arr(obj(body)["entry"]) {
		for _, c := range arr(obj(e)["changes"]) {
			cm := obj(c)
			var field string
			_ = json.Unmarshal(cm["field"], &field)
			if field != "messages" {
				w.changes++
				continue
			}
			v := obj(cm["value"])
			ms, ss, es := arr(v["messages"]), arr(v["statuses"]), arr(v["errors"])
			w.messages = append(w.messages, ms...)
			w.statuses = append(w.statuses, ss...)
			w.errors = append(w.errors, es...)
			extra := len(ms)+len(ss)+len(es) == 0
			for k := range v {
				if !valueKeys[k] {
					extra = true
				}
			}
			if extra {
				w.changes++
			}
		}
	}
	return w
}

// assertNothingDropped checks counts and that every item's Raw is the wire
// item, in order.
func assertNothingDropped(t testing.TB, body []byte, b Batch) {
	t.Helper()
	w := walkWire(t, body)
	if len(b.Messages) != len(w.messages) || len(b.Statuses) != len(w.statuses) || len(b.Errors) != len(w.errors) || len(b.AccountUpdates) != w.changes {
		t.Fatalf("parsed %d messages, %d statuses, %d errors, %d changes; payload has %d, %d, %d, %d",
			len(b.Messages), len(b.Statuses), len(b.Errors), len(b.AccountUpdates),
			len(w.messages), len(w.statuses), len(w.errors), w.changes)
	}
	for i, m := range b.Messages {
		assertSameJSON(t, "message", m.Raw, w.messages[i])
	}
	for i, s := range b.Statuses {
		assertSameJSON(t, "status", s.Raw, w.statuses[i])
	}
	for i, e := range b.Errors {
		assertSameJSON(t, "error", e.Raw, w.errors[i])
	}
}

func assertSameJSON(t testing.TB, what string, got, want json.RawMessage) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s Raw is not JSON: %v (%s)", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s Raw = %s, want %s", what, got, want)
	}
}

// assertConsistent checks invariants any successful Parse must keep.
func assertConsistent(t testing.TB, b Batch) {
	t.Helper()
	for i, m := range b.Messages {
		if len(m.Raw) == 0 || !json.Valid(m.Raw) || bytes.TrimSpace(m.Raw)[0] != '{' {
			t.Fatalf("message %d: Raw %q is not a JSON object", i, m.Raw)
		}
		if m.Type != normalizeType(m.Type) {
			t.Fatalf("message %d: Type %q not normalized", i, m.Type)
		}
		if m.Unsupported == knownTypes[m.Type] {
			t.Fatalf("message %d: Unsupported=%v for type %q", i, m.Unsupported, m.Type)
		}
		switch key := m.SenderKey(); {
		case m.From != "" && key != m.From,
			m.From == "" && m.FromUserID != "" && key != "user:"+m.FromUserID,
			m.From == "" && m.FromUserID == "" && key != "":
			t.Fatalf("message %d: SenderKey %q for From %q FromUserID %q", i, key, m.From, m.FromUserID)
		}
		if e := m.SenderE164(); e != "" && (m.From == "" || !strings.HasPrefix(e, "+")) {
			t.Fatalf("message %d: SenderE164 %q from %q", i, e, m.From)
		}
		s := m.Summary()
		if s == "" || strings.ContainsAny(s, "\n\r\t") || s != strings.TrimSpace(s) {
			t.Fatalf("message %d: Summary %q is not one trimmed line", i, s)
		}
		countContent(t, i, m)
		if !m.Timestamp.IsZero() && (m.Timestamp.Before(time.Unix(0, 0)) || m.Timestamp.Location() != time.UTC) {
			t.Fatalf("message %d: odd Timestamp %v", i, m.Timestamp)
		}
	}
	for i, s := range b.Statuses {
		if len(s.Raw) == 0 || !json.Valid(s.Raw) {
			t.Fatalf("status %d: Raw %q invalid", i, s.Raw)
		}
	}
	for i, e := range b.Errors {
		if len(e.Raw) == 0 || !json.Valid(e.Raw) {
			t.Fatalf("error %d: Raw %q invalid", i, e.Raw)
		}
	}
	for i, c := range b.AccountUpdates {
		if c.Field == "" || (c.Value != nil && !json.Valid(c.Value)) {
			t.Fatalf("change %d: %+v", i, c)
		}
	}
}

// countContent checks that at most the content field of the message's type
// is set.
func countContent(t testing.TB, i int, m Message) {
	t.Helper()
	set := map[string]bool{
		"text": m.Text != "", "media": m.Media != nil, "location": m.Location != nil,
		"contacts": m.Contacts != nil, "interactive": m.Interactive != nil, "button": m.Button != nil,
		"reaction": m.Reaction != nil, "order": m.Order != nil, "system": m.System != nil,
	}
	want := m.Type
	if mediaKinds[want] {
		want = "media"
	}
	for k, on := range set {
		if on && k != want {
			t.Fatalf("message %d of type %q has %s content set", i, m.Type, k)
		}
	}
	if m.Media != nil && m.Media.Kind != m.Type {
		t.Fatalf("message %d: Media.Kind %q for type %q", i, m.Media.Kind, m.Type)
	}
}
