package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"charla/internal/metaspec"
)

// Run one target at a time, e.g.
//
//	go test -run='^$' -fuzz='^FuzzParse$' -fuzztime=30s ./internal/channel/whatsapp/
//
// Inputs that once failed are kept under testdata/fuzz/<target>/ and replay
// with every plain go test.

func seedTestdata(f *testing.F, add func(body []byte)) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no testdata seeds: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// officialExamples returns every webhook envelope in Meta's OpenAPI
// description as JSON: any mapping whose "object" is Object, wherever it sits
// (the /whatsapp/webhooks request examples and the components they $ref).
// A missing file only costs seeds.
func officialExamples(tb testing.TB) [][]byte {
	tb.Helper()
	// Meta's OpenAPI description, the one TestOfficialWebhookExamples reads.
	officialSpec := metaspec.Path(tb)
	data, err := os.ReadFile(officialSpec)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Logf("official WhatsApp OpenAPI description not found at %s: fuzzing without its examples as seeds", officialSpec)
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		tb.Fatalf("%s: %v", officialSpec, err)
	}
	var out [][]byte
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := metaspec.JSONValue(v).(type) {
		case map[string]any:
			if x["object"] == Object {
				if b, err := json.Marshal(x); err == nil && !seen[string(b)] {
					seen[string(b)] = true
					out = append(out, b)
				}
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	if len(out) == 0 {
		tb.Fatalf("no webhook envelopes found in %s: has the layout changed?", officialSpec)
	}
	return out
}

// handBodies are small bodies the examples do not cover: broken envelopes,
// wrong types, out-of-range numbers, nulls at every level, odd text.
var handBodies = []string{
	``, ` `, `null`, `{}`, `[]`, `"whatsapp_business_account"`, `{"object":null}`, `{"object":1}`,
	`{"object":"whatsapp_business_account"}`,
	`{"object":"whatsapp_business_account","entry":null}`,
	`{"object":"whatsapp_business_account","entry":{}}`,
	`{"object":"whatsapp_business_account","entry":[]}`,
	`{"object":"whatsapp_business_account","entry":[null]}`,
	`{"object":"whatsapp_business_account","entry":[{}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[null]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":null,"value":null}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":null}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":null,"statuses":null,"errors":null,"contacts":null,"metadata":null}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[null]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":null,"text":null,"context":null,"referral":null,"errors":null}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"id":1,"time":"x","changes":[{"field":"x","value":null}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"id":{},"changes":[]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"id":"1","time":1e400,"changes":[{"field":"account_update","value":{"metadata":{"phone_number_id":[]}}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"image","image":[]}],"contacts":{}}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"timestamp":-1,"pricing":{"billable":"maybe"}}]}}]}]}`,
	// Huge and odd numbers.
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":99999999999999999999999,"timestamp":1e308,"type":"location","location":{"latitude":1e308,"longitude":-1e308}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"timestamp":"99999999999999999999","type":"order","order":{"product_items":[{"quantity":2147483647,"item_price":1.7976931348623157e308,"currency":"EUR"},{"quantity":2147483647,"item_price":1e308,"currency":"EUR"}]}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"timestamp":"1.5e10","type":"order","order":{"product_items":[{"quantity":"-3","item_price":"NaN"},{"quantity":1.5}]}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"timestamp":"-0","conversation":{"expiration_timestamp":999999999999999},"errors":[{"code":1e100}]}],"errors":[{"code":"x","error_data":[]}]}}]}]}`,
	// Wrong types everywhere.
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":"x","contacts":[1,"a",null,{"profile":[]}],"messages":[{"id":{},"from":[],"type":7,"7":{"body":1}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"contacts","contacts":[null,1,{"name":[],"phones":{}},{"phones":[null,{"phone":true}]}]}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":{"a":[1,{"b":null}]}}}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"interactive","interactive":{"button_reply":null,"list_reply":{"id":null}}}]}}]}]}`,
	// Unicode: emoji, bidi overrides, escapes, NUL, invalid UTF-8, upper-case types.
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":" TEXT ","TEXT":{"body":"\u202e\u0000olá 👋🏽\r\n\t\u2028"}}]}}]}]}`,
	"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"messages\":[{\"type\":\"text\",\"text\":{\"body\":\"\xff\xfe\xc0\"}}]}}]}]}",
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"reaction","reaction":{"emoji":"\ud83d"}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"İmage","İmage":{"caption":"ß"}}]}}]}]}`,
	"\ufeff{\"object\":\"whatsapp_business_account\",\"entry\":[]}",
	// testdata/fuzz/FuzzParse holds a body wrapped in U+00A0, once accepted.
	// Legacy On-Premises and other products.
	`{"contacts":[],"messages":[{"type":"text"}]}`,
	`{"object":"instagram","entry":[]}`,
	// Deep nesting.
	`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text","text":{"body":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}}]}}]}]}`,
}

// allBodies is every seed body: the package's fixtures, Meta's examples,
// the hand-written ones, and each fixture cut in half.
func allBodies(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	seedTestdata(f, func(b []byte) { out = append(out, b, b[:len(b)/2]) })
	out = append(out, officialExamples(f)...)
	for _, s := range handBodies {
		out = append(out, []byte(s))
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, b := range allBodies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Parse(body)
		again, againErr := Parse(body)
		if fmt.Sprint(err) != fmt.Sprint(againErr) || !reflect.DeepEqual(b, again) {
			t.Fatalf("Parse is not deterministic:\n%+v (%v)\n%+v (%v)", b, err, again, againErr)
		}
		if err != nil {
			if b.Len() != 0 {
				t.Fatalf("error %v with a non-empty batch", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("Parse accepted a body that is not JSON: %q", body)
		}
		// The batch must own its bytes: a caller may recycle the body buffer.
		cp := bytes.Clone(body)
		owned, _ := Parse(cp)
		for i := range cp {
			cp[i] = 'x'
		}
		if !reflect.DeepEqual(b, owned) {
			t.Fatalf("batch shares memory with the body it was parsed from")
		}
		for i, m := range b.Messages {
			if len(m.Raw) == 0 {
				t.Fatalf("message %d has no Raw", i)
			}
			if m.Type == "" && !m.Unsupported {
				t.Fatalf("message %d has no Type and is not Unsupported", i)
			}
			checkSummary(t, m)
		}
		assertNothingDropped(t, body, b)
		assertConsistent(t, b)
		for _, c := range b.AccountUpdates {
			// The typed helpers must not panic on whatever a change holds.
			_, _ = ParseQualityUpdate(Change{Field: FieldQualityUpdate, Value: c.Value})
			_, _ = ParseTemplateStatusUpdate(Change{Field: FieldTemplateStatusUpdate, Value: c.Value})
		}
	})
}

// checkSummary asserts what Summary promises: one non-empty, trimmed line of
// valid UTF-8 without control or bidi-override characters, the same every
// time.
func checkSummary(t *testing.T, m Message) {
	t.Helper()
	s := m.Summary()
	switch {
	case s == "":
		t.Fatalf("Summary() is empty for %+v", m)
	case s != strings.TrimSpace(s):
		t.Fatalf("Summary() = %q is not trimmed", s)
	case !utf8.ValidString(s):
		t.Fatalf("Summary() = %q is not valid UTF-8", s)
	case strings.Contains(s, "  "):
		t.Fatalf("Summary() = %q has a run of spaces", s)
	case s != m.Summary():
		t.Fatalf("Summary() is not deterministic: %q then %q", s, m.Summary())
	}
	for _, r := range s {
		if (unicode.IsSpace(r) && r != ' ') || unicode.IsControl(r) || isBidiControl(r) {
			t.Fatalf("Summary() = %q contains %U", s, r)
		}
	}
}

// messageEnvelope wraps one messages[] item in a well-formed delivery.
func messageEnvelope(msg []byte) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":` +
		`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
		`"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[` + string(msg) + `]}}]}]}`)
}

// FuzzSummary fuzzes the type and content object of an otherwise ordinary
// message, so most inputs reach the content decoders and Summary.
func FuzzSummary(f *testing.F) {
	for _, body := range allBodies(f) {
		b, err := Parse(body)
		if err != nil {
			continue
		}
		for _, m := range b.Messages {
			var o map[string]json.RawMessage
			if json.Unmarshal(m.Raw, &o) != nil {
				continue
			}
			var typ string
			_ = json.Unmarshal(o["type"], &typ)
			content := o[typ]
			if content == nil {
				content = json.RawMessage("null")
			}
			f.Add(typ, []byte(content))
		}
	}
	for _, s := range []struct{ typ, content string }{
		{"text", `{"body":""}`}, {"text", `{"body":" \n\t "}`}, {"text", `{"body":"\u202e\u2066\u0085"}`},
		{"text", `"just a string"`}, {"image", `{"voice":"yes","animated":2}`}, {"sticker", `{"animated":"1"}`},
		{"document", `{"filename":"\n","caption":"\u200b"}`}, {"location", `{"latitude":"0","longitude":"-0"}`},
		{"location", `{"latitude":4.9e-324,"longitude":1e308}`}, {"contacts", `[]`}, {"contacts", `[{"name":{"first_name":" ","last_name":" "}}]`},
		{"interactive", `{"type":"nfm_reply","nfm_reply":{"body":""}}`}, {"button", `{}`}, {"reaction", `{"emoji":"\u00a0"}`},
		{"order", `{"product_items":[]}`}, {"order", `{"product_items":[{"quantity":-2147483647,"item_price":-1e308}]}`},
		{"system", `{"body":"\r\n"}`}, {"unsupported", `null`}, {"UNKNOWN", `{}`}, {"", `{}`}, {" ", `1`}, {"\u202e", `{}`},
		{"pöll\x00\n", `{"question":"?"}`},
	} {
		f.Add(s.typ, []byte(s.content))
	}
	f.Fuzz(func(t *testing.T, typ string, content []byte) {
		key, _ := json.Marshal(typ) // never fails: invalid UTF-8 becomes U+FFFD
		msg := []byte(`{"from":"16505551234","id":"wamid.X","timestamp":"1749416383","type":` + string(key) + `,` + string(key) + `:` + string(content) + `}`)
		body := messageEnvelope(msg)
		b, err := Parse(body)
		if !json.Valid(content) {
			if err == nil {
				// Only possible if content is not JSON yet the envelope is.
				if !json.Valid(body) {
					t.Fatalf("Parse accepted invalid JSON %q", body)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("well-formed delivery rejected: %v\n%s", err, body)
		}
		if len(b.Messages) != 1 {
			t.Fatalf("got %d messages, want 1", len(b.Messages))
		}
		m := b.Messages[0]
		if len(m.Raw) == 0 || (m.Type == "" && !m.Unsupported) {
			t.Fatalf("message without Raw or Type: %+v", m)
		}
		if m.ProfileName != "Sheena Nelson" || m.From != "16505551234" {
			t.Fatalf("sender lost: %q %q", m.From, m.ProfileName)
		}
		checkSummary(t, m)
		assertConsistent(t, b)
	})
}

// accountValues seeds the typed change helpers: every value of every change
// in the seed bodies, and some odd ones.
func accountValues(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, body := range allBodies(f) {
		b, err := Parse(body)
		if err != nil {
			continue
		}
		for _, c := range b.AccountUpdates {
			out = append(out, c.Value)
		}
	}
	for _, s := range []string{
		``, `null`, `[]`, `"x"`, `1`, `{}`, `{"a":1} {}`, `{"event":null,"current_limit":null}`,
		`{"event":{},"current_limit":[],"old_limit":1e400,"max_daily_conversation_per_phone":250}`,
		`{"max_daily_conversations_per_business":"","max_daily_conversation_per_business":"TIER_2K"}`,
		`{"event":"PAUSED","other_info":"paused for low quality","disable_info":{"disable_date":"1e30"}}`,
		`{"event":"APPROVED","message_template_id":1.7976931348623157e308,"other_info":[1],"rejection_info":"x","disable_info":{"disable_date":-5}}`,
		`{"other_info":null,"disable_info":null,"rejection_info":null}`,
		`{"other_info":{"title":{"x":1}},"disable_info":{"disable_date":{}}}`,
		"{\"event\":\"\xff\u202e\"}",
	} {
		out = append(out, []byte(s))
	}
	return out
}

// isJSONObject tells whether b is exactly one JSON object (RFC 8259
// whitespace around it allowed, nothing else).
func isJSONObject(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return json.Valid(b) && len(t) > 0 && t[0] == '{'
}

func FuzzParseQualityUpdate(f *testing.F) {
	for _, v := range accountValues(f) {
		f.Add(FieldQualityUpdate, "102290129340398", int64(1748454394), v)
	}
	f.Add("account_update", "", int64(0), []byte(`{}`))
	f.Fuzz(func(t *testing.T, field, waba string, sec int64, value []byte) {
		c := Change{Field: field, WABAID: waba, Time: time.Unix(sec, 0).UTC(), Value: value}
		q, err := ParseQualityUpdate(c)
		q2, err2 := ParseQualityUpdate(c)
		if fmt.Sprint(err) != fmt.Sprint(err2) || !reflect.DeepEqual(q, q2) {
			t.Fatalf("not deterministic: %+v (%v) then %+v (%v)", q, err, q2, err2)
		}
		switch {
		case field != FieldQualityUpdate:
			if err == nil {
				t.Fatalf("field %q accepted as %s", field, FieldQualityUpdate)
			}
			return
		case isJSONObject(value) && err != nil:
			t.Fatalf("object value rejected: %v", err)
		case err != nil:
			return
		case !isJSONObject(value):
			t.Fatalf("non-object value %q accepted", value)
		}
		if q.WABAID != waba || !q.Time.Equal(c.Time) {
			t.Fatalf("routing lost: %+v", q)
		}
		if tier := q.Tier(); tier != q.MaxDailyConversationsPerBusiness && tier != q.CurrentLimit {
			t.Fatalf("Tier() = %q, from neither field of %+v", tier, q)
		}
		if limit, unlimited, ok := TierLimit(q.Tier()); (!ok && (limit != 0 || unlimited)) || (unlimited && limit != 0) || limit < 0 {
			t.Fatalf("TierLimit(%q) = %d, %v, %v", q.Tier(), limit, unlimited, ok)
		}
	})
}

func FuzzParseTemplateStatusUpdate(f *testing.F) {
	for _, v := range accountValues(f) {
		f.Add(FieldTemplateStatusUpdate, "102290129340398", int64(1751247548), v)
	}
	f.Add(FieldQualityUpdate, "", int64(0), []byte(`{}`))
	f.Fuzz(func(t *testing.T, field, waba string, sec int64, value []byte) {
		c := Change{Field: field, WABAID: waba, Time: time.Unix(sec, 0).UTC(), Value: value}
		u, err := ParseTemplateStatusUpdate(c)
		u2, err2 := ParseTemplateStatusUpdate(c)
		if fmt.Sprint(err) != fmt.Sprint(err2) || !reflect.DeepEqual(u, u2) {
			t.Fatalf("not deterministic: %+v (%v) then %+v (%v)", u, err, u2, err2)
		}
		switch {
		case field != FieldTemplateStatusUpdate:
			if err == nil {
				t.Fatalf("field %q accepted as %s", field, FieldTemplateStatusUpdate)
			}
			return
		case isJSONObject(value) && err != nil:
			t.Fatalf("object value rejected: %v", err)
		case err != nil:
			return
		case !isJSONObject(value):
			t.Fatalf("non-object value %q accepted", value)
		}
		if u.WABAID != waba || !u.Time.Equal(c.Time) {
			t.Fatalf("routing lost: %+v", u)
		}
		if u.OtherInfo != nil {
			var m map[string]json.RawMessage
			_ = json.Unmarshal(value, &m)
			if raw, ok := m["other_info"]; !ok || string(bytes.TrimSpace(raw)) == "null" {
				t.Fatalf("OtherInfo %+v without other_info in %s", u.OtherInfo, value)
			}
		}
		if d := u.DisableDate; !d.IsZero() && (d.Location() != time.UTC || d.Before(time.Unix(0, 0))) {
			t.Fatalf("odd DisableDate %v", d)
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	for _, b := range allBodies(f) {
		f.Add(b, Sign(b, "app-secret"), "app-secret")
		f.Add(b, "sha256="+strings.Repeat("0", 64), "app-secret")
		f.Add(b, "SHA256="+strings.ToUpper(Sign(b, "k")[7:]), "k")
	}
	f.Add([]byte{}, "", "")
	f.Add([]byte("x"), "sha256=", "k")
	f.Add([]byte("x"), Sign([]byte("x"), ""), "")
	f.Fuzz(func(t *testing.T, body []byte, header, secret string) {
		ok := VerifySignature(body, header, secret)
		want := Sign(body, secret)
		if ok != VerifySignature(body, header, secret) {
			t.Fatal("VerifySignature is not deterministic")
		}
		if secret == "" {
			if ok {
				t.Fatal("verified with an empty secret")
			}
			return
		}
		// Only the exact MAC (hex in either case) verifies.
		if ok != (len(header) == len(want) && header[:7] == "sha256=" && strings.EqualFold(header[7:], want[7:])) {
			t.Fatalf("VerifySignature(%q, %q) = %v; correct header is %q", body, header, ok, want)
		}
		if !VerifySignature(body, want, secret) {
			t.Fatalf("own signature %q rejected", want)
		}
		if len(body) > 0 {
			flipped := bytes.Clone(body)
			flipped[0] ^= 1
			if VerifySignature(flipped, want, secret) {
				t.Fatalf("signature of %q verified a different body", body)
			}
		}
	})
}

// FuzzVerifyChallenge builds the handshake query from its three parameters
// plus any extra raw query text (duplicates, odd escapes); sameToken makes
// the configured token match so the challenge checks are reached.
func FuzzVerifyChallenge(f *testing.F) {
	for _, s := range []struct {
		mode, token, challenge, verifyToken, extra string
		same                                       bool
	}{
		{"subscribe", "meatyhamhock", "1158201444", "meatyhamhock", "", false},
		{"subscribe", "t", "1158201444", "", "", true},
		{"subscribe", "t", "abc-_.XYZ", "t", "", false},
		{"subscribe", "", "1", "", "", false},
		{"Subscribe", "t", "1", "t", "", false},
		{"subscribe", "t", "<script>alert(1)</script>", "t", "", false},
		{"subscribe", "t", strings.Repeat("9", 128), "t", "", false},
		{"subscribe", "t", strings.Repeat("9", 129), "t", "", false},
		{"subscribe", "t", "12 34", "t", "", false},
		{"subscribe", "t", "\u0661\u0662", "t", "", false},
		{"subscribe", "t\x00", "1", "t", "", false},
		{"subscribe", "t", "", "t", "hub.challenge=2&hub.mode=unsubscribe", false},
		{"", "", "", "t", "hub.mode=subscribe&hub.verify_token=t&hub.challenge=%0d%0a", false},
		{"", "", "", "t", "hub.mode=subscribe;hub.verify_token=t&hub.challenge=1", false},
		{"", "", "", "t", "hub.mode=subscribe&hub.verify_token=t&hub.challenge=1%zz", false},
	} {
		f.Add(s.mode, s.token, s.challenge, s.verifyToken, s.extra, s.same)
	}
	f.Fuzz(func(t *testing.T, mode, token, challenge, verifyToken, extra string, sameToken bool) {
		if sameToken {
			verifyToken = token
		}
		q, _ := url.ParseQuery(extra) // keeps what parsed before an error
		if q == nil {
			q = url.Values{}
		}
		for k, v := range map[string]string{"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge} {
			if v != "" {
				q[k] = append([]string{v}, q[k]...)
			}
		}
		got, ok := VerifyChallenge(q, verifyToken)
		if got2, ok2 := VerifyChallenge(q, verifyToken); got2 != got || ok2 != ok {
			t.Fatal("VerifyChallenge is not deterministic")
		}
		c := q.Get("hub.challenge")
		safe := c != "" && len(c) <= maxChallenge && strings.Trim(c,
			"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.") == ""
		want := verifyToken != "" && q.Get("hub.mode") == "subscribe" && q.Get("hub.verify_token") == verifyToken && safe
		if ok != want {
			t.Fatalf("VerifyChallenge(%v, %q) ok = %v, want %v", q, verifyToken, ok, want)
		}
		if ok && got != c {
			t.Fatalf("echoed %q, query challenge is %q", got, c)
		}
		if !ok && got != "" {
			t.Fatalf("rejected handshake still echoes %q", got)
		}
	})
}
