package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"charla/internal/metaspec"
)

// captureTransport records requests instead of dialling and answers like
// the Graph API would.
type captureTransport struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := []byte{}
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	cl := r.Clone(r.Context())
	cl.Body = io.NopCloser(bytes.NewReader(body))
	cl.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	c.mu.Lock()
	c.reqs = append(c.reqs, cl)
	c.mu.Unlock()
	answer := `{}`
	switch {
	case strings.HasSuffix(r.URL.Path, "/messages") && bytes.Contains(body, []byte(`"status":"read"`)):
		answer = `{"success":true}`
	case strings.HasSuffix(r.URL.Path, "/messages"):
		answer = `{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.X"}]}`
	case strings.HasSuffix(r.URL.Path, "/media"):
		answer = `{"id":"4490709327384033"}`
	case r.Method == http.MethodGet && r.URL.Query().Get("fields") != "":
		answer = `{"id":"106540352242922","display_phone_number":"+1 555-0100","verified_name":"Charla","quality_rating":"GREEN","messaging_limit_tier":"TIER_1K"}`
	case r.Method == http.MethodGet:
		answer = `{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1","mime_type":"image/jpeg","sha256":"abc","file_size":"303833","id":"1037543291543636"}`
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
}

// conformanceMessages is one of every message shape the client can send.
func conformanceMessages() map[string]Outgoing {
	hdr := &InteractiveHeader{Type: "image", Media: MediaRef{Link: "https://example.com/h.jpg"}}
	return map[string]Outgoing{
		"text":               TextMessage{Body: "Hello https://example.com", PreviewURL: true},
		"text reply":         TextMessage{Body: "Hi", ReplyTo: "wamid.ABC"},
		"image id":           MediaMessage{Kind: Image, MediaRef: MediaRef{ID: "1234"}, Caption: "a cat"},
		"image link":         MediaMessage{Kind: Image, MediaRef: MediaRef{Link: "https://example.com/a.jpg"}},
		"video":              MediaMessage{Kind: Video, MediaRef: MediaRef{ID: "1234"}, Caption: "clip"},
		"audio":              MediaMessage{Kind: Audio, MediaRef: MediaRef{ID: "1234"}},
		"sticker":            MediaMessage{Kind: Sticker, MediaRef: MediaRef{Link: "https://example.com/s.webp"}},
		"document":           MediaMessage{Kind: Document, MediaRef: MediaRef{ID: "1234"}, Caption: "invoice", Filename: "invoice.pdf"},
		"location":           LocationMessage{Latitude: 37.4847, Longitude: -122.1486, Name: "Meta HQ", Address: "1 Hacker Way"},
		"contacts":           ContactsMessage{Contacts: []ContactCard{sampleCard()}},
		"reaction":           ReactionMessage{MessageID: "wamid.ABC", Emoji: "👍"},
		"reaction removal":   ReactionMessage{MessageID: "wamid.ABC"},
		"buttons":            ButtonsMessage{Header: hdr, Body: "Pick", Footer: "f", Buttons: []ReplyButton{{ID: "y", Title: "Yes"}, {ID: "n", Title: "No"}}},
		"buttons text head":  ButtonsMessage{Header: &InteractiveHeader{Type: "text", Text: "Hi"}, Body: "Pick", Buttons: []ReplyButton{{ID: "y", Title: "Yes"}}},
		"list":               sampleList(),
		"template":           sampleTemplate(),
		"template no params": TemplateMessage{Name: "hello_world", Language: "en_US"},
		// A copy-code button (sub_type copy_code) is left out: v23.0's
		// description lists only quick_reply, url and catalog, though
		// coupon templates send it (TestSendBodies has its shape).
		"template location header": TemplateMessage{Name: "store_offer", Language: "pt_BR", Components: []TemplateComponent{
			{Type: "header", Parameters: []TemplateParameter{{Type: "location", Location: &LocationMessage{Latitude: -23.56, Longitude: -46.65, Name: "Loja Paulista", Address: "Av. Paulista, 1000"}}}},
			{Type: "body", Parameters: []TemplateParameter{{Type: "text", Text: "Ana"}}},
		}},
	}
}

func sampleCard() ContactCard {
	return ContactCard{
		Name:      ContactName{FormattedName: "Ana Ruiz", FirstName: "Ana", LastName: "Ruiz"},
		Phones:    []ContactPhone{{Phone: "+1 650 555 1234", WaID: "16505551234", Type: "WORK"}},
		Emails:    []ContactEmail{{Email: "ana@example.com", Type: "WORK"}},
		Addresses: []ContactAddress{{Street: "1 Main St", City: "Menlo Park", Country: "United States", CountryCode: "US", Type: "HOME"}},
		Org:       ContactOrg{Company: "Acme"},
		URLs:      []ContactURL{{URL: "https://example.com", Type: "WORK"}},
		Birthday:  "1990-01-31",
	}
}

func sampleList() ListMessage {
	return ListMessage{
		Header: &InteractiveHeader{Type: "text", Text: "Menu"}, Body: "Pick one", Footer: "Thanks", Button: "Options",
		Sections: []ListSection{
			{Title: "Shipping", Rows: []ListRow{{ID: "exp", Title: "Express", Description: "1-2 days"}}},
			{Title: "Pickup", Rows: []ListRow{{ID: "store", Title: "Store"}}},
		},
	}
}

func sampleTemplate() TemplateMessage {
	return TemplateMessage{Name: "order_update", Language: "en_US", Components: []TemplateComponent{
		{Type: "header", Parameters: []TemplateParameter{{Type: "image", Media: MediaRef{Link: "https://example.com/h.jpg"}}}},
		{Type: "body", Parameters: []TemplateParameter{{Type: "text", Text: "Mark"}, {Type: "text", Text: "#123"}}},
		{Type: "button", SubType: "quick_reply", Index: 0, Parameters: []TemplateParameter{{Type: "payload", Payload: "STOP"}}},
		{Type: "button", SubType: "url", Index: 1, Parameters: []TemplateParameter{{Type: "text", Text: "abc123"}}},
	}}
}

// captureCloudRequests drives every Cloud API call through a capturing
// transport with the spec's server base.
func captureCloudRequests(t *testing.T) map[string]*http.Request {
	t.Helper()
	ct := &captureTransport{}
	c := NewClient(ClientConfig{PhoneNumberID: "106540352242922", Token: "EAAtesttoken", HTTPClient: &http.Client{Transport: ct}})
	ctx := context.Background()
	out := map[string]*http.Request{}
	last := func() *http.Request { return ct.reqs[len(ct.reqs)-1] }
	for name, m := range conformanceMessages() {
		if _, err := c.Send(ctx, "16505551234", m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out["send "+name] = last()
	}
	if _, err := c.SendTagged(ctx, "16505551234", TextMessage{Body: "tagged"}, "01938a6e-7f3c-7c1e-9a55-3b1f0c2d4e5f"); err != nil {
		t.Fatal(err)
	}
	out["send tagged"] = last()
	if err := c.MarkRead(ctx, "wamid.ABC"); err != nil {
		t.Fatal(err)
	}
	out["mark read"] = last()
	if _, err := c.UploadMedia(ctx, "cat.jpg", "image/jpeg", strings.NewReader("\xff\xd8jpeg")); err != nil {
		t.Fatal(err)
	}
	out["upload media"] = last()
	if _, err := c.MediaURL(ctx, "1037543291543636"); err != nil {
		t.Fatal(err)
	}
	out["media url"] = last()
	if _, err := c.PhoneNumber(ctx); err != nil {
		t.Fatal(err)
	}
	out["phone number"] = last()
	return out
}

// TestSendConformsToOfficialSpec validates every Cloud API request the
// client builds (each message type, mark-as-read, media upload, media URL
// lookup, phone number read) against Meta's official OpenAPI description
// with libopenapi-validator. Two things stand between the file and a clean
// validation, and both are isolated here rather than hidden:
//
//   - libopenapi-validator v0.16.2 cannot compile the send-message body
//     schema as published: its multi-resource compiler produces an empty
//     resource ("failed to unmarshal JSON schema resource …: EOF") for any
//     schema reaching another through $ref (BaseMessageProperties →
//     MessageContext, HeaderObject → MediaObject, …). specValidator
//     replaces those $refs by copies (metaspec.InlineSchemas), which
//     changes no constraint.
//   - The spec itself has defects that make it reject Meta's own examples;
//     metaspec.PatchSendDefects fixes exactly those (see there), and
//     TestOfficialSpecDefects proves each one with Meta's examples.
func TestSendConformsToOfficialSpec(t *testing.T) {
	spec := metaspec.Load(t, "the send client is NOT being checked against Meta's spec")
	v := metaspec.SendValidator(t, spec, true)
	reqs := captureCloudRequests(t)
	if len(reqs) < 20 {
		t.Fatalf("only %d requests captured", len(reqs))
	}
	for name, r := range reqs {
		if r.URL.Host != "graph.facebook.com" || r.URL.Scheme != "https" {
			t.Errorf("%s: request went to %s", name, r.URL)
		}
		for _, e := range metaspec.Validate(v, r) {
			t.Errorf("%s: %s %s does not conform: %s", name, r.Method, r.URL.Path, e)
		}
	}

	// The validator limitation worked around by inlining.
	for _, e := range metaspec.Validate(metaspec.ValidatorFromYAML(t, spec), reqs["send text"]) {
		if strings.Contains(e, "schema compilation") {
			t.Logf("NOTE: libopenapi-validator still cannot compile the un-inlined send schema: %.160s", e)
		}
	}

	// Negative controls: the patched validator still rejects bad requests.
	bad := map[string]string{
		"unknown field":   `{"messaging_product":"whatsapp","recipient_type":"individual","to":"1","type":"text","text":{"body":"x"},"bogus":1}`,
		"four buttons":    `{"messaging_product":"whatsapp","recipient_type":"individual","to":"1","type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[` + strings.Repeat(`{"type":"reply","reply":{"id":"a","title":"a"}},`, 3) + `{"type":"reply","reply":{"id":"d","title":"d"}}]}}}`,
		"long header":     `{"messaging_product":"whatsapp","recipient_type":"individual","to":"1","type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"` + strings.Repeat("h", 61) + `"},"body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"a"}}]}}}`,
		"empty media":     `{"messaging_product":"whatsapp","recipient_type":"individual","to":"1","type":"image","image":{}}`,
		"long row title":  `{"messaging_product":"whatsapp","recipient_type":"individual","to":"1","type":"interactive","interactive":{"type":"list","body":{"text":"b"},"action":{"button":"x","sections":[{"rows":[{"id":"1","title":"` + strings.Repeat("t", 25) + `"}]}]}}}`,
		"no language":     `{"messaging_product":"whatsapp","recipient_type":"individual","to":"1","type":"template","template":{"name":"x"}}`,
		"read no message": `{"messaging_product":"whatsapp","status":"read"}`,
	}
	for name, body := range bad {
		r := cloneWithBody(reqs["send text"], body)
		if len(metaspec.Validate(v, r)) == 0 {
			t.Errorf("negative control %q passed validation: the validator is not checking bodies", name)
		}
	}
	noAuth := cloneWithBody(reqs["send text"], "")
	noAuth.Header.Del("Authorization")
	if len(metaspec.Validate(v, noAuth)) == 0 {
		t.Error("negative control: a request without Authorization passed validation")
	}
}

// TestOfficialSpecDefects shows that the defects patched above are in
// Meta's file, not in charla: Meta's own examples fail against the spec as
// published and pass once patched.
func TestOfficialSpecDefects(t *testing.T) {
	spec := metaspec.Load(t, "the send client is NOT being checked against Meta's spec")
	raw, patched := metaspec.SendValidator(t, spec, false), metaspec.SendValidator(t, spec, true)
	root := metaspec.Parse(t, spec)
	examples := metaspec.SendBody(root)["examples"].(map[string]any)
	base := captureCloudRequests(t)["send text"]
	for _, name := range []string{"Send Text Message", "Send Location Message", "Send typing indicator and read receipt", "Send Message Template Media"} {
		ex := metaspec.Dig(examples, name, "value")
		if ex == nil {
			t.Errorf("example %q is no longer in the spec", name)
			continue
		}
		b, err := json.Marshal(metaspec.JSONValue(ex))
		if err != nil {
			t.Fatal(err)
		}
		if errs := metaspec.Validate(raw, cloneWithBody(base, string(b))); len(errs) == 0 {
			t.Errorf("Meta's example %q now passes the unpatched spec: drop the matching patch", name)
		}
		for _, e := range metaspec.Validate(patched, cloneWithBody(base, string(b))) {
			t.Errorf("Meta's example %q fails the patched spec: %s", name, e)
		}
	}
}

func cloneWithBody(r *http.Request, body string) *http.Request {
	c := r.Clone(context.Background())
	if body == "" {
		b, _ := r.GetBody()
		c.Body = b
		c.GetBody = r.GetBody
		return c
	}
	c.Body = io.NopCloser(strings.NewReader(body))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	c.ContentLength = int64(len(body))
	return c
}
