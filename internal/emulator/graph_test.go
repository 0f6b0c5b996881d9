package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestSendTextAcceptedAndRecorded(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	resp, body := f.sendText(t, "+16505551234", "hello")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	sent := f.emu.Sent()
	if len(sent) != 1 {
		t.Fatalf("recorded %d messages", len(sent))
	}
	m := sent[0]
	sameJSON(t, body, `{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"`+m.ID+`"}]}`)
	if m.Type != "text" || m.WaID != "16505551234" || m.To != "+16505551234" || m.API != "graph" {
		t.Fatalf("recorded %+v", m)
	}
	var raw struct{ Text struct{ Body string } }
	if err := json.Unmarshal(m.Body, &raw); err != nil || raw.Text.Body != "hello" {
		t.Fatalf("raw body %s", m.Body)
	}
	f.sendText(t, "16505551234", "again")
	if n := f.emu.SentTo("+1 650 555 1234"); n != 2 {
		t.Fatalf("SentTo = %d, want 2", n)
	}
	if c := f.emu.Counts(); len(c) != 1 || c["16505551234"] != 2 {
		t.Fatalf("Counts = %v", c)
	}
}

func TestWrongTokenIs401GraphError(t *testing.T) {
	f := newFixture(t, nil)
	body := []byte(`{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x"}}`)
	for _, tok := range []string{"", "wrong"} {
		resp, got := f.do(t, "POST", "/v23.0/"+testPhone+"/messages", tok, body, "application/json")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token %q: status %d", tok, resp.StatusCode)
		}
		var e struct {
			Error struct {
				Message, Type string
				Code          int
				FbtraceID     string `json:"fbtrace_id"`
			}
		}
		if err := json.Unmarshal(got, &e); err != nil || e.Error.Code != 190 || e.Error.Type != "OAuthException" || e.Error.Message == "" || e.Error.FbtraceID == "" {
			t.Fatalf("token %q: body %s", tok, got)
		}
	}
	if len(f.emu.Sent()) != 0 {
		t.Fatal("unauthorized send was recorded")
	}
}

func TestWindowClosedIs131047(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.sendText(t, "16505551234", "hello")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sameJSON(t, body, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
		"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
		"fbtrace_id":"AEmu00000001"}}`)

	// A template passes with the window closed.
	tmpl := []byte(`{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
	if resp, b := f.do(t, "POST", "/v21.0/"+testPhone+"/messages", testToken, tmpl, "application/json"); resp.StatusCode != http.StatusOK {
		t.Fatalf("template: %d %s", resp.StatusCode, b)
	}

	// The customer writes: the window opens for 24 h on the emulator's clock.
	if _, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24*time.Hour - time.Second)
	if resp, b := f.sendText(t, "16505551234", "inside"); resp.StatusCode != http.StatusOK {
		t.Fatalf("inside window: %d %s", resp.StatusCode, b)
	}
	f.clock.Add(time.Second)
	if resp, _ := f.sendText(t, "16505551234", "expired"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("after 24 h: %d", resp.StatusCode)
	}
	if got := len(f.emu.Sent()); got != 2 {
		t.Fatalf("recorded %d, want template + 1 text", got)
	}
}

func TestUnknownNumberIs131026(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.KnownNumbers = []string{"+16505551234"} })
	resp, body := f.sendText(t, "447700900123", "hello")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sameJSON(t, body, `{"error":{"message":"(#131026) Message Undeliverable","type":"OAuthException","code":131026,
		"error_data":{"messaging_product":"whatsapp","details":"Message Undeliverable."},"fbtrace_id":"AEmu00000001"}}`)
	if _, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	if resp, b := f.sendText(t, "16505551234", "known"); resp.StatusCode != http.StatusOK {
		t.Fatalf("known number: %d %s", resp.StatusCode, b)
	}
}

func TestValidation(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		name, body string
		code       int
	}{
		{"not json", `nope`, 100},
		{"no product", `{"to":"1","type":"text","text":{"body":"x"}}`, 131008},
		{"wrong product", `{"messaging_product":"sms","to":"1","type":"text","text":{"body":"x"}}`, 100},
		{"no to", `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, 131008},
		{"bad type", `{"messaging_product":"whatsapp","to":"1","type":"poll","poll":{}}`, 100},
		{"object missing", `{"messaging_product":"whatsapp","to":"1","type":"image","text":{"body":"x"}}`, 131008},
		{"read without id", `{"messaging_product":"whatsapp","status":"read"}`, 131008},
	}
	for _, c := range cases {
		resp, got := f.do(t, "POST", "/v23.0/"+testPhone+"/messages", testToken, []byte(c.body), "application/json")
		var e struct{ Error struct{ Code int } }
		_ = json.Unmarshal(got, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Code != c.code {
			t.Errorf("%s: %d %s, want 400 code %d", c.name, resp.StatusCode, got, c.code)
		}
	}
	// Another phone number id is not this emulator's.
	resp, _ := f.do(t, "POST", "/v23.0/999/messages", testToken, []byte(`{}`), "application/json")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("foreign phone id: %d", resp.StatusCode)
	}
}

func TestMarkAsRead(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.do(t, "POST", "/v23.0/"+testPhone+"/messages", testToken,
		[]byte(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`), "application/json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sameJSON(t, body, `{"success":true}`)
	if r := f.emu.ReadMarks(); len(r) != 1 || r[0] != "wamid.X" || len(f.emu.Sent()) != 0 {
		t.Fatalf("reads %v sent %v", r, f.emu.Sent())
	}
}

func TestPhoneNumberInfo(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.VerifiedName = "Acme" })
	resp, body := f.do(t, "GET", "/v23.0/"+testPhone, testToken, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var info map[string]any
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	if info["display_phone_number"] != "15550783881" || info["verified_name"] != "Acme" ||
		info["quality_rating"] != "GREEN" || info["messaging_limit_tier"] != "TIER_UNLIMITED" || info["id"] != testPhone {
		t.Fatalf("info %s", body)
	}
}
