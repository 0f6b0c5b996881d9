package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/channel/whatsapp"
	"charla/internal/contacts"
	"charla/internal/core/coretest"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/store"
)

// The credentials the emulator accepts; channels connected to it use them.
const (
	emuAppSecret   = "emulator-app-secret"
	emuAccessToken = "EAAG-emulator-token"
	emuAPIKey      = "d360-emulator-key"
)

// newWhatsAppEnv serves the real WhatsApp channel types (whatsapp_cloud and
// 360dialog) beside the website.
func newWhatsAppEnv(t *testing.T, d *store.DB) *env {
	t.Helper()
	cfg := wa.Config{BaseURL: baseURL}
	return newEnvTypes(t, d, nil, wa.Cloud(cfg), wa.Dialog(cfg))
}

// provider is the WhatsApp emulator standing in for Meta's Cloud API and
// 360dialog, served over HTTP as they are. It runs in manual mode: statuses
// of sent messages wait for Advance or Flush, and customers' messages are
// posted to charla before CustomerSends returns.
type provider struct {
	*emulator.Emulator
	url string

	mu      sync.Mutex
	held    map[string]bool // media ids whose lookup waits for release
	release chan struct{}
	// refused are requests ("METHOD /path-suffix") answered with a Graph
	// error instead of reaching the emulator, as a provider refusing them.
	refused map[string]string
}

// refuse makes the provider answer every method request to a path ending in
// suffix with a Graph error (code 100) whose message is msg.
func (p *provider) refuse(method, suffix, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refused[method+" "+suffix] = msg
}

// allow undoes refuse.
func (p *provider) allow(method, suffix string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.refused, method+" "+suffix)
}

// refusal is the error the provider answers r with, if any.
func (p *provider) refusal(r *http.Request) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, msg := range p.refused {
		method, suffix, _ := strings.Cut(k, " ")
		if r.Method == method && strings.HasSuffix(r.URL.Path, suffix) {
			return msg, true
		}
	}
	return "", false
}

// emulate starts the emulator; mod adjusts its configuration.
func (e *env) emulate(mod func(*emulator.Config)) *provider {
	e.t.Helper()
	cfg := emulator.Config{AppSecret: emuAppSecret, AccessToken: emuAccessToken, APIKey: emuAPIKey}
	if mod != nil {
		mod(&cfg)
	}
	p := &provider{Emulator: emulator.New(cfg), held: map[string]bool{}, release: make(chan struct{}), refused: map[string]string{}}
	e.t.Cleanup(func() { p.Close() })
	mux := p.Mux()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg, ok := p.refusal(r); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
				"message": msg, "type": "OAuthException", "code": 100, "fbtrace_id": "AbCdEfGh"}})
			return
		}
		p.mu.Lock()
		slow := p.held[path.Base(r.URL.Path)]
		p.mu.Unlock()
		if slow {
			select {
			case <-p.release:
			case <-r.Context().Done():
				return
			}
		}
		mux.ServeHTTP(w, r)
	}))
	// Cleanups run last in, first out: the held answers go out before the
	// server waits for its requests to finish.
	e.t.Cleanup(srv.Close)
	e.t.Cleanup(func() { close(p.release) })
	p.url = srv.URL
	return p
}

// holdMedia makes the provider slow to answer for media id: its lookup
// waits until the test ends, so the file stays "being fetched".
func (p *provider) holdMedia(id string) {
	p.mu.Lock()
	p.held[id] = true
	p.mu.Unlock()
}

// spendQuota lets the number send one message and sends it. With a rate of
// one message an hour (Config.Rate), the provider then answers every send
// with 429 and a Retry-After of about an hour, so charla keeps outgoing
// messages queued and a test sets their fate through the inbox itself.
func (p *provider) spendQuota(t *testing.T) {
	t.Helper()
	c := p.Config()
	client := whatsapp.NewClient(whatsapp.ClientConfig{Provider: whatsapp.CloudAPI, BaseURL: p.url,
		Version: whatsapp.DefaultVersion, PhoneNumberID: c.PhoneNumberID, Token: c.AccessToken})
	if _, err := client.Send(context.Background(), "15550001111", whatsapp.TemplateMessage{Name: "hello_world", Language: "en_US"}); err != nil {
		t.Fatal(err)
	}
	_, err := client.Send(context.Background(), "15550001111", whatsapp.TemplateMessage{Name: "hello_world", Language: "en_US"})
	var ae *whatsapp.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || !ae.Retryable() || ae.RetryAfter < 50*time.Minute {
		t.Fatalf("a second message within the hour: %v, want 429 with Retry-After of about an hour", err)
	}
}

// deleteTemplate deletes a template at the provider, as WhatsApp Manager
// would: no webhook tells charla.
func (p *provider) deleteTemplate(t *testing.T, name string) {
	t.Helper()
	c := p.Config()
	client := whatsapp.NewClient(whatsapp.ClientConfig{Provider: whatsapp.CloudAPI, BaseURL: p.url,
		Version: whatsapp.DefaultVersion, PhoneNumberID: c.PhoneNumberID, WABAID: c.WABAID, Token: c.AccessToken})
	if err := client.DeleteTemplate(context.Background(), name, ""); err != nil {
		t.Fatal(err)
	}
}

// sentTo is what the provider accepted for waID, in order, as decoded bodies.
func (p *provider) sentTo(waID string) []map[string]any {
	var out []map[string]any
	for _, m := range p.Sent() {
		if m.WaID != waID {
			continue
		}
		var body map[string]any
		_ = json.Unmarshal(m.Body, &body)
		body["id"] = m.ID
		out = append(out, body)
	}
	return out
}

// whatsapp connects a Cloud API number in u's workspace to the emulator,
// whose webhooks go to this server.
func (e *env) whatsapp(u auth.User, p *provider) channel.Channel {
	e.t.Helper()
	c := p.Config()
	ch, err := e.s.Channels.Create(context.Background(), u.WorkspaceID, wa.CloudType, "Sales WhatsApp",
		json.RawMessage(fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q}`, c.PhoneNumberID, c.WABAID, p.url)),
		map[string]string{"access_token": emuAccessToken, "app_secret": emuAppSecret})
	if err != nil {
		e.t.Fatal(err)
	}
	p.SetCallback(e.srv.URL + "/webhooks/whatsapp/" + ch.ID)
	return ch
}

// inbound has a WhatsApp contact's message arrive on ch, as the webhook
// hands it to the inbox; at is when they sent it. The provider knows
// nothing of it (its window for the contact stays closed): customerSends
// is the way through the provider.
func (e *env) inbound(ch channel.Channel, in inbox.Inbound) inbox.Received {
	e.t.Helper()
	in.Channel = ch
	if in.From.ExternalID == "" {
		in.From = contacts.Who{ExternalID: "5511987654321", Name: "Vera", Phone: "+5511987654321"}
	}
	got, err := e.s.Inbox.Receive(context.Background(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// eventually polls cond until it holds (coretest.Eventually).
func (e *env) eventually(what string, cond func() bool) {
	e.t.Helper()
	coretest.Eventually(e.t, what, cond)
}

// message reads one message back.
func (e *env) message(ws, id string) inbox.Message {
	e.t.Helper()
	m, err := e.s.Inbox.Message(context.Background(), ws, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// waFixture is a signed-in owner with a WhatsApp Cloud API channel on the
// emulator.
type waFixture struct {
	e     *env
	owner auth.User
	wa    channel.Channel
	b     *browser
	emu   *provider
}

func newWhatsApp(t *testing.T, d *store.DB, mod func(*emulator.Config)) waFixture {
	t.Helper()
	e := newWhatsAppEnv(t, d)
	emu := e.emulate(mod)
	owner := e.workspace("Acme", "olga@acme.test")
	ch := e.whatsapp(owner, emu)
	b := e.browser()
	b.login("olga@acme.test")
	return waFixture{e, owner, ch, b, emu}
}

// newHeldWhatsApp is newWhatsApp on a number that has used up its sending
// rate for the next hour (see spendQuota): nothing composed leaves charla.
func newHeldWhatsApp(t *testing.T, d *store.DB) waFixture {
	t.Helper()
	f := newWhatsApp(t, d, func(c *emulator.Config) { c.Rate = 1.0 / 3600 })
	f.emu.spendQuota(t)
	return f
}

// customerSends has a contact write through the provider: the emulator
// opens its 24-hour window and posts the signed webhook, which charla stores
// before this returns. It returns the stored message.
func (f waFixture) customerSends(phone, name, text string) inbox.Message {
	f.e.t.Helper()
	ctx := context.Background()
	wamid, err := f.emu.CustomerSends(ctx, phone, name, emulator.Text(text))
	if err != nil {
		f.e.t.Fatal(err)
	}
	page, err := f.e.s.Inbox.List(ctx, f.owner, inbox.Filter{})
	if err != nil {
		f.e.t.Fatal(err)
	}
	for _, c := range page.Conversations {
		for _, m := range f.e.messages(f.owner.WorkspaceID, c.ID) {
			if m.ProviderMessageID == wamid {
				return m
			}
		}
	}
	f.e.t.Fatalf("the webhook for %s was not stored", wamid)
	return inbox.Message{}
}
