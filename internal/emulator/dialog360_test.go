package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestDialog360Paths(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.CallbackURL = "" })
	ctx := context.Background()

	// The webhook URL is registered through the API.
	resp, body := f.do(t, "POST", "/v1/configs/webhook", testKey, []byte(`{"url":"`+f.hook.srv.URL+`"}`), "application/json")
	if resp.StatusCode != http.StatusOK || f.emu.Callback() != f.hook.srv.URL {
		t.Fatalf("webhook config %d %s", resp.StatusCode, body)
	}
	if _, err := f.emu.CustomerSends(ctx, "5511987654321", "Bia", Text("oi")); err != nil {
		t.Fatal(err)
	}

	msg := []byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511987654321","type":"text","text":{"body":"olá"}}`)
	if resp, _ := f.do(t, "POST", "/messages", "wrong", msg, "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong key: %d", resp.StatusCode)
	}
	// A Graph token is not a 360dialog key.
	req, _ := http.NewRequest("POST", f.srv.URL+"/messages", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bearer on 360dialog path: %v %v", err, r)
	} else {
		r.Body.Close()
	}

	resp, body = f.do(t, "POST", "/messages", testKey, msg, "application/json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send %d %s", resp.StatusCode, body)
	}
	sent := f.emu.Sent()
	if len(sent) != 1 || sent[0].API != "360dialog" {
		t.Fatalf("sent %+v", sent)
	}
	sameJSON(t, body, `{"messaging_product":"whatsapp","contacts":[{"input":"5511987654321","wa_id":"5511987654321"}],"messages":[{"id":"`+sent[0].ID+`"}]}`)

	// Same Graph errors.
	f.clock.Add(25 * time.Hour)
	resp, body = f.do(t, "POST", "/messages", testKey, msg, "application/json")
	var e struct{ Error struct{ Code int } }
	_ = json.Unmarshal(body, &e)
	if resp.StatusCode != http.StatusBadRequest || e.Error.Code != 131047 {
		t.Fatalf("closed window %d %s", resp.StatusCode, body)
	}

	// Media: upload, info, download on the same path a 360dialog client
	// gets after rewriting the lookaside host.
	data := []byte("%PDF-1.4 tiny")
	up, ct := multipartUpload(t, data, "application/pdf")
	resp, body = f.do(t, "POST", "/media", testKey, up, ct)
	var m struct{ ID string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &m) != nil || m.ID == "" {
		t.Fatalf("upload %d %s", resp.StatusCode, body)
	}
	resp, body = f.do(t, "GET", "/"+m.ID, testKey, nil, "")
	var info struct{ URL, MimeType string }
	_ = json.Unmarshal(body, &info)
	if resp.StatusCode != http.StatusOK || info.URL == "" {
		t.Fatalf("info %d %s", resp.StatusCode, body)
	}
	resp, body = f.do(t, "GET", info.URL[len(f.srv.URL):], testKey, nil, "")
	if resp.StatusCode != http.StatusOK || string(body) != string(data) {
		t.Fatalf("download %d %q", resp.StatusCode, body)
	}

	// Statuses go to the registered webhook too.
	if err := f.emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.hook.all()); n != 4 {
		t.Fatalf("callback got %d deliveries, want inbound + 3 statuses", n)
	}
}
