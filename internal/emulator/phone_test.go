package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"charla/internal/channel/whatsapp"
)

func TestFillTemplateParameters(t *testing.T) {
	params := []sendParam{
		{Type: "text", Text: "Ana"},
		{Type: "currency", Currency: &fallback{FallbackValue: "$10.00"}},
		{Type: "text", Text: "Friday", ParameterName: "day"},
	}
	got := fill("Hi {{1}}, you owe {{2}} by {{ day }}; {{4}} and {{nope}} stay.", params)
	if want := "Hi Ana, you owe $10.00 by Friday; {{4}} and {{nope}} stay."; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPhonePage(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.do(t, "GET", "/phone", "", nil, "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	for _, want := range []string{`id="messages"`, `id="compose"`, `id="callback"`, `id="wa-id"`, `id="profile-name"`,
		`id="image-file"`, `id="location-form"`, `id="read-button"`, `src="/phone/static/phone.js"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("page lacks %s", want)
		}
	}
	resp, js := f.do(t, "GET", "/phone/static/phone.js", "", nil, "")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(js, []byte("textContent")) || bytes.Contains(js, []byte("innerHTML =")) {
		t.Fatalf("script %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/phone/static/phone.css", "", nil, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("css %d", resp.StatusCode)
	}
}

type chatJSON struct {
	WaID        string `json:"wa_id"`
	ProfileName string `json:"profile_name"`
	WindowOpen  bool   `json:"window_open"`
	Messages    []struct {
		Dir, ID, Type, Status string
		MediaURL              string `json:"media_url"`
		ReplyTo               string `json:"reply_to"`
		Content               json.RawMessage
		Template              *templateView
	} `json:"messages"`
}

func (f *fixture) chat(t *testing.T, waID string) chatJSON {
	t.Helper()
	resp, body := f.do(t, "GET", "/phone/api/chat?wa_id="+waID, "", nil, "")
	var c chatJSON
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &c) != nil {
		t.Fatalf("chat: %d %s", resp.StatusCode, body)
	}
	return c
}

// phoneSend posts a customer action as the page does.
func (f *fixture) phoneSend(t *testing.T, action map[string]any) string {
	t.Helper()
	resp, body := f.postJSON(t, "/phone/api/send", "", action)
	var r struct{ ID, DeliveryError string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &r) != nil || r.ID == "" {
		t.Fatalf("phone send: %d %s", resp.StatusCode, body)
	}
	return r.ID
}

func lastInbound(t *testing.T, h *hook) whatsapp.Message {
	t.Helper()
	reqs := h.all()
	b, err := whatsapp.Parse(reqs[len(reqs)-1].body)
	if err != nil || len(b.Messages) != 1 {
		t.Fatalf("%v %s", err, reqs[len(reqs)-1].body)
	}
	return b.Messages[0]
}

func TestPhoneConversation(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Statuses = []string{"sent", "delivered"}
		c.Templates = []Template{{Name: "order_update", Language: "en_US", Category: "UTILITY", Components: json.RawMessage(
			`[{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},{"type":"BODY","text":"Hi {{1}}, total {{2}}."},` +
				`{"type":"FOOTER","text":"Reply STOP to opt out"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop"},` +
				`{"type":"URL","text":"Track","url":"https://shop.example/t/{{1}}"}]}]`)}}
	})
	ctx := context.Background()
	const ana = "16505551234"

	// The customer writes from the page.
	in := f.phoneSend(t, map[string]any{"wa_id": "+" + ana, "name": "Ana", "kind": "text", "text": "<b>hola</b>"})
	if m := lastInbound(t, f.hook); m.ID != in || m.Text != "<b>hola</b>" || m.ProfileName != "Ana" {
		t.Fatalf("inbound %+v", m)
	}

	// The business answers with buttons, a list and a template.
	buttons := map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "interactive", "interactive": map[string]any{
		"type": "button", "body": map[string]string{"text": "Pick"},
		"action": map[string]any{"buttons": []any{map[string]any{"type": "reply", "reply": map[string]string{"id": "yes", "title": "Yes"}}}}}}
	list := map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "interactive", "interactive": map[string]any{
		"type": "list", "body": map[string]string{"text": "Menu"}, "action": map[string]any{"button": "Options",
			"sections": []any{map[string]any{"title": "Ship", "rows": []any{map[string]string{"id": "exp", "title": "Express", "description": "1 day"}}}}}}}
	tmpl := map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "template", "template": map[string]any{
		"name": "order_update", "language": map[string]string{"code": "en_US"},
		"components": []any{
			map[string]any{"type": "header", "parameters": []any{map[string]string{"type": "text", "text": "A-7"}}},
			map[string]any{"type": "body", "parameters": []any{map[string]string{"type": "text", "text": "Ana"},
				map[string]any{"type": "currency", "currency": map[string]any{"fallback_value": "$9.99", "code": "USD", "amount_1000": 9990}}}},
			map[string]any{"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": []any{map[string]string{"type": "payload", "payload": "STOP-7"}}},
			map[string]any{"type": "button", "sub_type": "url", "index": "1", "parameters": []any{map[string]string{"type": "text", "text": "A-7"}}},
		}}}
	for _, b := range []map[string]any{buttons, list, tmpl} {
		if resp, body := f.postJSON(t, "/v23.0/"+testPhone+"/messages", testToken, b); resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	if err := f.emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent := f.emu.Sent()

	c := f.chat(t, ana)
	if c.WaID != ana || c.ProfileName != "Ana" || !c.WindowOpen || len(c.Messages) != 4 {
		t.Fatalf("chat %+v", c)
	}
	if m := c.Messages[0]; m.Dir != "in" || m.Type != "text" || string(m.Content) != `{"body":"\u003cb\u003ehola\u003c/b\u003e"}` {
		t.Fatalf("first %+v %s", m, m.Content)
	}
	if m := c.Messages[1]; m.Dir != "out" || m.Type != "interactive" || m.Status != "delivered" || !bytes.Contains(m.Content, []byte(`"yes"`)) {
		t.Fatalf("buttons %+v", m)
	}
	tv := c.Messages[3].Template
	if tv == nil || tv.Header != "Order A-7" || tv.Body != "Hi Ana, total $9.99." || tv.Footer != "Reply STOP to opt out" ||
		len(tv.Buttons) != 2 || tv.Buttons[0].Payload != "STOP-7" || tv.Buttons[1].URL != "https://shop.example/t/A-7" {
		t.Fatalf("template view %+v", tv)
	}

	// Taps come back as the right webhooks, quoting the message tapped.
	f.phoneSend(t, map[string]any{"wa_id": ana, "kind": "button_reply", "id": "yes", "title": "Yes", "reply_to": sent[0].ID})
	if m := lastInbound(t, f.hook); m.Type != "interactive" || m.Interactive.Type != "button_reply" || m.Interactive.ID != "yes" || m.Context.ID != sent[0].ID {
		t.Fatalf("button reply %+v", m)
	}
	f.phoneSend(t, map[string]any{"wa_id": ana, "kind": "list_reply", "id": "exp", "title": "Express", "description": "1 day", "reply_to": sent[1].ID})
	if m := lastInbound(t, f.hook); m.Interactive.Type != "list_reply" || m.Interactive.ID != "exp" || m.Interactive.Description != "1 day" {
		t.Fatalf("list reply %+v", m.Interactive)
	}
	f.phoneSend(t, map[string]any{"wa_id": ana, "kind": "quick_reply", "payload": "STOP-7", "title": "Stop", "reply_to": sent[2].ID})
	if m := lastInbound(t, f.hook); m.Type != "button" || m.Button.Payload != "STOP-7" || m.Button.Text != "Stop" || m.Context.ID != sent[2].ID {
		t.Fatalf("quick reply %+v", m)
	}
	f.phoneSend(t, map[string]any{"wa_id": ana, "kind": "location", "latitude": 1.5, "longitude": -2.25, "text": "Home"})
	if m := lastInbound(t, f.hook); m.Type != "location" || m.Location.Lat != 1.5 || m.Location.Name != "Home" {
		t.Fatalf("location %+v", m.Location)
	}

	// An image through the file picker.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("wa_id", ana)
	_ = mw.WriteField("caption", "receipt")
	fw, _ := mw.CreateFormFile("file", "r.png")
	_, _ = fw.Write([]byte("\x89PNG\r\n\x1a\nimage"))
	_ = mw.Close()
	if resp, body := f.do(t, "POST", "/phone/api/image", "", buf.Bytes(), mw.FormDataContentType()); resp.StatusCode != http.StatusOK {
		t.Fatalf("image %d %s", resp.StatusCode, body)
	}
	img := lastInbound(t, f.hook)
	if img.Type != "image" || img.Media.Caption != "receipt" || img.Media.MimeType != "image/png" {
		t.Fatalf("image %+v", img.Media)
	}
	c = f.chat(t, ana)
	last := c.Messages[len(c.Messages)-1]
	if last.MediaURL != "/phone/media/"+img.Media.ID {
		t.Fatalf("image bubble %+v", last)
	}
	resp, body := f.do(t, "GET", last.MediaURL, "", nil, "")
	if resp.StatusCode != http.StatusOK || !bytes.HasSuffix(body, []byte("image")) || resp.Header.Get("Content-Security-Policy") != "sandbox" {
		t.Fatalf("media %d %v", resp.StatusCode, resp.Header)
	}

	// "Read" sends read statuses for what the business sent.
	before := len(f.hook.all())
	resp, body = f.postJSON(t, "/phone/api/read", "", map[string]any{"wa_id": ana})
	sameJSON(t, body, `{"read":3}`)
	if resp.StatusCode != http.StatusOK || len(f.hook.all()) != before+3 {
		t.Fatalf("read: %d, %d deliveries", resp.StatusCode, len(f.hook.all())-before)
	}
	for _, m := range f.chat(t, ana).Messages {
		if m.Dir == "out" && m.Status != "read" {
			t.Fatalf("%s still %s", m.ID, m.Status)
		}
	}

	// The chat list knows the number.
	resp, body = f.do(t, "GET", "/phone/api/chats", "", nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"wa_id":"`+ana+`"`) {
		t.Fatalf("chats %s", body)
	}
}

func TestPhoneSettingsAndOrigin(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.CallbackURL = "" })
	resp, body := f.postJSON(t, "/phone/api/settings", "", map[string]string{"callback": " http://127.0.0.1:9/hook "})
	if resp.StatusCode != http.StatusOK || f.emu.Callback() != "http://127.0.0.1:9/hook" || !strings.Contains(string(body), `"display_phone_number":"15550783881"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// A page on another site cannot move the callback.
	req, _ := http.NewRequest("POST", f.srv.URL+"/phone/api/settings", strings.NewReader(`{"callback":"http://evil.example"}`))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden || f.emu.Callback() != "http://127.0.0.1:9/hook" {
		t.Fatalf("cross-site post: %d, callback %q", r.StatusCode, f.emu.Callback())
	}
	// Bad actions are 400s with a message.
	for _, a := range []map[string]any{{"wa_id": "", "kind": "text", "text": "x"}, {"wa_id": "1", "kind": "poll"}, {"wa_id": "1", "kind": "text", "text": " "}} {
		if resp, body := f.postJSON(t, "/phone/api/send", "", a); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "error") {
			t.Fatalf("%v: %d %s", a, resp.StatusCode, body)
		}
	}
	// With no callback the message is kept and the page is told why it is
	// not delivered.
	f.emu.SetCallback("")
	resp, body = f.postJSON(t, "/phone/api/send", "", map[string]any{"wa_id": "1", "kind": "text", "text": "x"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "no callback URL") || f.emu.Pending() != 1 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestMuxServes360UnderPrefix(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.emu.CustomerSends(context.Background(), "5511987654321", "Bia", Text("oi")); err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"messaging_product":"whatsapp","to":"5511987654321","type":"text","text":{"body":"olá"}}`)
	resp, body := f.do(t, "POST", "/360dialog/messages", testKey, msg, "application/json")
	if resp.StatusCode != http.StatusOK || f.emu.Sent()[0].API != "360dialog" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, "POST", "/360dialog/messages", testToken, msg, "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bearer on a 360dialog path: %d", resp.StatusCode)
	}
}
