package wa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/channel/whatsapp"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/core/coretest"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/store"
)

const (
	appSecret   = "emulator-app-secret"
	accessToken = "emulator-access-token"
	apiKey      = "emulator-api-key"
)

// env is charla (real services, real jobs, real database) serving WhatsApp
// webhooks over HTTP, and the emulator standing in for Meta and 360dialog.
type env struct {
	t      *testing.T
	s      *core.Services
	emu    *emulator.Emulator
	emuURL string
	url    string
	owner  auth.User
	ch     channel.Channel
}

func newEnv(t *testing.T, d *store.DB, mod func(*emulator.Config)) *env {
	t.Helper()
	e := &env{t: t}
	mux := chi.NewRouter()
	charla := httptest.NewServer(mux)
	t.Cleanup(charla.Close)
	e.url = charla.URL
	cfg := emulator.Config{AppSecret: appSecret, AccessToken: accessToken, APIKey: apiKey, AutoStatuses: true}
	if mod != nil {
		mod(&cfg)
	}
	e.emu = emulator.New(cfg)
	t.Cleanup(func() { e.emu.Close() })
	emuSrv := httptest.NewServer(e.emu.Mux())
	t.Cleanup(emuSrv.Close)
	e.emuURL = emuSrv.URL
	waCfg := wa.Config{BaseURL: charla.URL}
	e.s = coretest.New(t, d, config.Config{BaseURL: charla.URL}, wa.Cloud(waCfg), wa.Dialog(waCfg))
	(&wa.Webhooks{Channels: e.s.Channels, Inbox: e.s.Inbox, Templates: e.s.Templates, Log: e.s.Log, MaxBody: 64 << 10}).Routes(mux)
	ctx := context.Background()
	var err error
	e.owner, err = e.s.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	c := e.emu.Config()
	e.ch, err = e.s.Channels.Create(ctx, e.owner.WorkspaceID, wa.CloudType, "Sales WhatsApp",
		json.RawMessage(fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q}`, c.PhoneNumberID, c.WABAID, e.emuURL)),
		map[string]string{"access_token": accessToken, "app_secret": appSecret})
	if err != nil {
		t.Fatal(err)
	}
	e.emu.SetCallback(e.webhookURL())
	return e
}

func (e *env) webhookURL() string { return e.url + "/webhooks/whatsapp/" + e.ch.ID }

// post delivers a webhook body as Meta would, signed unless sig is given.
func (e *env) post(url string, body []byte, sig string) (int, string) {
	e.t.Helper()
	if sig == "" {
		sig = whatsapp.Sign(body, appSecret)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// envelope wraps messages and statuses in Meta's webhook envelope for this channel's number.
func (e *env) envelope(messages, statuses []map[string]any, contacts ...map[string]any) []byte {
	c := e.emu.Config()
	value := map[string]any{"messaging_product": "whatsapp",
		"metadata": map[string]any{"display_phone_number": c.DisplayPhoneNumber, "phone_number_id": c.PhoneNumberID}}
	if messages != nil {
		value["messages"] = messages
	}
	if statuses != nil {
		value["statuses"] = statuses
	}
	if contacts != nil {
		value["contacts"] = contacts
	}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": c.WABAID, "changes": []any{map[string]any{"field": "messages", "value": value}}}}})
	return b
}

func unixAt(t time.Time) string { return fmt.Sprint(t.Unix()) }

// messages returns a conversation's messages, oldest first.
func (e *env) messages(convID string) []inbox.Message {
	e.t.Helper()
	page, err := e.s.Inbox.Messages(context.Background(), e.owner.WorkspaceID, convID, "", 100)
	if err != nil {
		e.t.Fatal(err)
	}
	out := page.Messages
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// conversations lists the workspace's conversations.
func (e *env) conversations() []inbox.Conversation {
	e.t.Helper()
	page, err := e.s.Inbox.List(context.Background(), e.owner, inbox.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Conversations
}

// eventually polls cond until it holds (coretest.Eventually).
func (e *env) eventually(what string, cond func() bool) {
	e.t.Helper()
	coretest.Eventually(e.t, what, cond)
}

// message reads one message back.
func (e *env) message(id string) inbox.Message {
	e.t.Helper()
	m, err := e.s.Inbox.Message(context.Background(), e.owner.WorkspaceID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
