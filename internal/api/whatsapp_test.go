package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"charla/internal/channel/whatsapp"
	"charla/internal/emulator"
)

// The credentials the emulators accept; channels connected to them use these.
const (
	emuAppSecret   = "emulator-app-secret"
	emuAccessToken = "EAAJB-emulator-token"
	emuAPIKey      = "d360-emulator-key"
)

// provider is the WhatsApp emulator standing in for Meta's Cloud API and
// 360dialog, served over HTTP as they are. It runs in auto mode: each
// accepted message's statuses (sent, delivered, read) and each customer's
// message are posted to charla's webhook in the background.
type provider struct {
	*emulator.Emulator
	srv *httptest.Server
	url string

	mu   sync.Mutex
	held map[string]chan struct{} // media id → closed once its lookup may be answered
}

// emulate starts an emulator; mod adjusts its configuration.
func emulate(t *testing.T, mod func(*emulator.Config)) *provider {
	t.Helper()
	cfg := emulator.Config{AppSecret: emuAppSecret, AccessToken: emuAccessToken, APIKey: emuAPIKey, AutoStatuses: true}
	if mod != nil {
		mod(&cfg)
	}
	p := &provider{Emulator: emulator.New(cfg), held: map[string]chan struct{}{}}
	t.Cleanup(func() { p.Close() })
	mux := p.Mux()
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		wait := p.held[path.Base(r.URL.Path)]
		p.mu.Unlock()
		if wait != nil {
			select {
			case <-wait:
			case <-r.Context().Done():
				return
			}
		}
		mux.ServeHTTP(w, r)
	}))
	// Cleanups run last in, first out: held answers go out before the
	// server waits for its requests to finish.
	t.Cleanup(p.srv.Close)
	t.Cleanup(p.releaseAll)
	p.url = p.srv.URL
	return p
}

// hold makes the provider slow to answer for media id: its lookup waits
// until the returned release is called, so the file stays "being fetched"
// for as long as a test needs to look at it.
func (p *provider) hold(id string) (release func()) {
	ch := make(chan struct{})
	p.mu.Lock()
	p.held[id] = ch
	p.mu.Unlock()
	return sync.OnceFunc(func() {
		p.mu.Lock()
		delete(p.held, id)
		p.mu.Unlock()
		close(ch)
	})
}

func (p *provider) releaseAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, ch := range p.held {
		close(ch)
		delete(p.held, id)
	}
}

// sentFor is what the provider accepted for charla's message id (echoed as
// biz_opaque_callback_data), if anything.
func (p *provider) sentFor(messageID string) (emulator.SentMessage, bool) {
	for _, m := range p.Sent() {
		if m.CallbackData == messageID {
			return m, true
		}
	}
	return emulator.SentMessage{}, false
}

// deliver posts a Cloud API webhook to charla as Meta would, signed with the
// app secret: one message from waID (called name), for the number p serves
// on channelID. msg is the message object; from and timestamp (now, unless
// given) are filled in. Charla answers 200 once the message is stored.
func (e *env) deliver(t *testing.T, p *provider, channelID, waID, name string, msg map[string]any) {
	t.Helper()
	c := p.Config()
	msg["from"] = waID
	if msg["timestamp"] == nil {
		msg["timestamp"] = fmt.Sprint(time.Now().Unix())
	}
	body, err := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": c.WABAID, "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": c.DisplayPhoneNumber, "phone_number_id": c.PhoneNumberID},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": waID}},
			"messages":          []any{msg},
		}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, e.s.Config.BaseURL+"/webhooks/whatsapp/"+channelID, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", whatsapp.Sign(body, emuAppSecret))
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook delivery: %d %s", resp.StatusCode, b)
	}
}

// conversationWith finds the channel's conversation with the contact whose
// phone is phone, through the API.
func (e *env) conversationWith(t *testing.T, channelID, phone string) conversationJSON {
	t.Helper()
	var page list[conversationJSON]
	e.expect(t, jsonCall("GET", "/conversations?status=all&limit=100&channel_id="+channelID, e.ownerTok, nil), http.StatusOK, &page)
	for _, c := range page.Data {
		if c.Contact.Phone == phone {
			return c
		}
	}
	t.Fatalf("no conversation with %s on channel %s: %+v", phone, channelID, page.Data)
	return conversationJSON{}
}

// whatsAppScenario creates WhatsApp channels through the API, connected to
// emulated providers, and talks on one: a template after the reply window
// closed, then, once the contact writes, structured messages and replies;
// a number that is not on WhatsApp, a photo the provider no longer has;
// then health and connection checks.
func whatsAppScenario(t *testing.T, e *env, site channelJSON) {
	ctx := t.Context()
	const (
		bruna      = "5521998765432"
		brunaPhone = "+" + bruna
		// caio wrote, but the provider does not know his number (any more).
		caio      = "5521977776666"
		caioPhone = "+" + caio
	)
	meta := emulate(t, func(c *emulator.Config) {
		c.VerifiedName = "Loja Online"
		c.KnownNumbers = []string{bruna}
		c.Templates = []emulator.Template{{Name: "order_shipped", Language: "pt_BR", Category: "UTILITY",
			Components: json.RawMessage(`[{"type":"BODY","text":"Seu pedido #{{1}} foi enviado!"}]`)}}
	})
	mc := meta.Config()

	var wa channelJSON
	resp, raw := e.do(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "whatsapp_cloud", "name": "WhatsApp Vendas",
		"settings": map[string]any{"phone_number_id": mc.PhoneNumberID, "waba_id": mc.WABAID, "graph_url": meta.url},
		"secrets":  map[string]any{"access_token": emuAccessToken, "app_secret": emuAppSecret},
	}))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create whatsapp_cloud: %d %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &wa); err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	if err := json.Unmarshal(wa.Settings, &settings); err != nil {
		t.Fatal(err)
	}
	verifyToken, _ := settings["verify_token"].(string)
	if settings["graph_url"] != meta.url || settings["api_version"] != "v23.0" || settings["rate_limit"] != float64(0) ||
		len(verifyToken) < 16 || settings["phone_number_id"] != mc.PhoneNumberID || settings["waba_id"] != mc.WABAID {
		t.Errorf("whatsapp_cloud settings = %s", wa.Settings)
	}
	if strings.Contains(string(raw), emuAccessToken) || strings.Contains(string(raw), emuAppSecret) {
		t.Errorf("a secret was returned: %s", raw)
	}
	// The setup lists what to paste into the Meta app: there, the provider.
	callback := e.s.Config.BaseURL + "/webhooks/whatsapp/" + wa.ID
	if len(wa.Setup) != 3 || wa.Setup[0].Value != callback || wa.Setup[1].Value != verifyToken || wa.WidgetScript != nil {
		t.Fatalf("setup = %+v, widget_script = %v", wa.Setup, wa.WidgetScript)
	}
	meta.SetCallback(wa.Setup[0].Value)

	// 360dialog is contacted while the channel is saved: it registers
	// charla's webhook, so a key it refuses saves nothing.
	dialog := emulate(t, nil)
	d360Settings := map[string]any{"phone_number": "+5511987650000", "base_url": dialog.url + "/360dialog"}
	refusedKey := e.expectError(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "360dialog", "name": "WhatsApp Suporte", "settings": d360Settings, "secrets": map[string]any{"api_key": "not-the-key"},
	}), http.StatusConflict, "conflict")
	if !strings.Contains(refusedKey.Message, "360dialog did not accept the webhook registration") || dialog.Callback() != "" {
		t.Errorf("refused key: %q, callback %q", refusedKey.Message, dialog.Callback())
	}
	var d360 channelJSON
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "360dialog", "name": "WhatsApp Suporte", "settings": d360Settings, "secrets": map[string]any{"api_key": emuAPIKey},
	}), http.StatusCreated, &d360)
	if !strings.Contains(string(d360.Settings), `"base_url":"`+dialog.url+`/360dialog"`) || strings.Contains(string(d360.Settings), emuAPIKey) {
		t.Errorf("360dialog settings = %s", d360.Settings)
	}
	if cb := dialog.Callback(); !strings.HasPrefix(cb, e.s.Config.BaseURL+"/webhooks/360dialog/"+d360.ID+"/") {
		t.Errorf("webhook registered with 360dialog = %q", cb)
	}

	// The contact wrote 25 hours ago: the 24-hour window has closed.
	e.deliver(t, meta, wa.ID, bruna, "Bruna Lima", map[string]any{"id": "wamid.first", "type": "text",
		"timestamp": fmt.Sprint(time.Now().Add(-25 * time.Hour).Unix()), "text": map[string]any{"body": "Oi! Meu pedido chegou?"}})
	conv := e.conversationWith(t, wa.ID, brunaPhone)
	base := "/conversations/" + conv.ID
	var thread list[messageJSON]
	e.expect(t, jsonCall("GET", base+"/messages", e.agentTok, nil), http.StatusOK, &thread)
	if len(thread.Data) != 1 || thread.Data[0].Body != "Oi! Meu pedido chegou?" || thread.Data[0].ProviderMessageID == nil ||
		*thread.Data[0].ProviderMessageID != "wamid.first" || conv.Contact.Name != "Bruna Lima" {
		t.Fatalf("first message = %+v, contact %+v", thread.Data, conv.Contact)
	}
	first := thread.Data[0]
	e.expect(t, jsonCall("GET", base, e.agentTok, nil), http.StatusOK, &conv)
	if conv.WindowClosesAt == nil || !parseTime(t, *conv.WindowClosesAt).Before(time.Now()) {
		t.Errorf("window_closes_at = %v, want a time in the past", conv.WindowClosesAt)
	}

	// Only an approved template can start the conversation again, and charla
	// knows the provider's templates once synced.
	notYet := e.expectError(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "template", "content": map[string]any{"template": map[string]any{"name": "order_shipped", "language": "pt_BR",
			"components": []any{map[string]any{"type": "body"}}}},
	}), http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(notYet.Fields["content.template.name"], "sync templates") {
		t.Errorf("unsynced template: %+v", notYet)
	}
	var synced syncJSON
	e.expect(t, jsonCall("POST", "/channels/"+wa.ID+"/templates/sync", e.ownerTok, nil), http.StatusOK, &synced)
	if synced.Added != 2 { // order_shipped and Meta's hello_world
		t.Errorf("sync = %+v", synced)
	}
	var tpl messageJSON
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "template",
		"content": map[string]any{"template": map[string]any{"name": "order_shipped", "language": "pt_BR",
			"components": []any{map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "4821"}}}},
			"rendered":   "Seu pedido #4821 foi enviado!"}},
	}), http.StatusCreated, &tpl)
	// Delivery runs in the background: the answer may already be past queued.
	if tpl.Kind != "template" || !slices.Contains([]string{"queued", "sending", "sent", "delivered", "read"}, tpl.Status) ||
		tpl.Content == nil || tpl.Content.Template == nil ||
		tpl.Content.Template.Name != "order_shipped" || !strings.Contains(string(tpl.Content.Template.Components), "4821") {
		t.Errorf("template = %+v", tpl)
	}

	// That started a business-initiated conversation; nothing is known of the number yet.
	var h healthJSON
	e.expect(t, jsonCall("GET", "/channels/"+wa.ID+"/health", e.agentTok, nil), http.StatusOK, &h)
	if h.Initiated24h != 1 || h.Number != nil || h.InitiatedLimit != nil || h.CheckedAt != nil || h.LastError != nil {
		t.Errorf("health before a check = %+v", h)
	}
	// The emulated number has an unlimited tier: no limit to show.
	e.expect(t, jsonCall("POST", "/channels/"+wa.ID+"/check", e.ownerTok, nil), http.StatusOK, &h)
	if h.Number == nil || h.Number.VerifiedName != "Loja Online" || h.Number.DisplayNumber == "" || h.Number.QualityRating != "GREEN" ||
		h.Number.MessagingLimit != "TIER_UNLIMITED" || h.InitiatedLimit != nil || h.Initiated24h != 1 || h.CheckedAt == nil {
		t.Errorf("health after a check = %+v (number %+v)", h, h.Number)
	}

	// The contact answers through WhatsApp: the window is open again.
	againID, err := meta.CustomerSends(ctx, bruna, "Bruna Lima", emulator.Text("Obrigada! Onde fica a loja?"))
	if err != nil {
		t.Fatal(err)
	}
	again := e.waitMessage(t, base, func(m messageJSON) bool {
		return m.ProviderMessageID != nil && *m.ProviderMessageID == againID
	})
	e.expect(t, jsonCall("GET", base, e.agentTok, nil), http.StatusOK, &conv)
	if conv.WindowClosesAt == nil || !parseTime(t, *conv.WindowClosesAt).After(time.Now().Add(23*time.Hour)) {
		t.Errorf("window_closes_at after the contact wrote = %v", conv.WindowClosesAt)
	}

	var loc messageJSON
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "location", "reply_to_id": again.ID,
		"content": map[string]any{"location": map[string]any{"latitude": -23.5613, "longitude": -46.6565,
			"name": "Loja Paulista", "address": "Av. Paulista, 1000"}},
	}), http.StatusCreated, &loc)
	if loc.Kind != "location" || loc.Content == nil || loc.Content.Location == nil || loc.Content.Location.Latitude != -23.5613 ||
		loc.Content.Location.Name != "Loja Paulista" || loc.ReplyTo == nil || loc.ReplyTo.ID != again.ID ||
		loc.ReplyTo.Direction != "incoming" || loc.ReplyTo.Body != "Obrigada! Onde fica a loja?" {
		t.Errorf("location reply = %+v", loc)
	}

	var card, buttons, reaction, sticker messageJSON
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "contacts", "content": map[string]any{"contacts": []any{map[string]any{"name": "Loja Paulista",
			"phones": []any{map[string]any{"value": "+551130000000", "type": "WORK"}}}}},
	}), http.StatusCreated, &card)
	if card.Kind != "contacts" || len(card.Content.Contacts) != 1 || card.Content.Contacts[0].Phones[0].Value != "+551130000000" {
		t.Errorf("contacts = %+v", card)
	}
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "interactive", "body": "Quer retirar na loja?",
		"content": map[string]any{"interactive": map[string]any{"buttons": []any{
			map[string]any{"id": "yes", "title": "Sim"}, map[string]any{"id": "no", "title": "Não"}}}},
	}), http.StatusCreated, &buttons)
	if buttons.Kind != "interactive" || buttons.Body != "Quer retirar na loja?" || len(buttons.Content.Interactive.Buttons) != 2 {
		t.Errorf("interactive = %+v", buttons)
	}
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "reaction", "content": map[string]any{"reaction": map[string]any{"emoji": "❤️", "target_id": again.ID}},
	}), http.StatusCreated, &reaction)
	if r := reaction.Content.Reaction; r == nil || r.Emoji != "❤️" || r.TargetID != again.ID || r.TargetProviderID != againID {
		t.Errorf("reaction = %+v", reaction.Content)
	}
	e.expect(t, multipartCall(base+"/messages", e.agentTok,
		part{name: "kind", data: []byte("sticker")},
		part{name: "reply_to_id", data: []byte(first.ID)},
		part{name: "file", filename: "thanks.webp", contentType: "image/webp", data: []byte("RIFF....WEBPVP8 ")},
	), http.StatusCreated, &sticker)
	if sticker.Kind != "sticker" || sticker.ReplyTo == nil || sticker.ReplyTo.ID != first.ID || len(sticker.Attachments) != 1 ||
		sticker.Attachments[0].Status != "ready" {
		t.Errorf("sticker = %+v", sticker)
	}

	// Delivery reports come back through the API: each message reaches the
	// provider, which reports it sent, delivered and read, with its id and
	// the conversation's pricing category.
	wantTypes := map[string]string{tpl.ID: "template", loc.ID: "location", card.ID: "contacts", buttons.ID: "interactive",
		reaction.ID: "reaction", sticker.ID: "sticker"}
	for _, id := range []string{tpl.ID, loc.ID, card.ID, buttons.ID, reaction.ID, sticker.ID} {
		m := e.waitMessage(t, base, func(m messageJSON) bool { return m.ID == id && m.Status == "read" })
		got, ok := meta.sentFor(id)
		if !ok || got.Type != wantTypes[id] || got.WaID != bruna || m.ProviderMessageID == nil || *m.ProviderMessageID != got.ID || m.Error != nil {
			t.Errorf("%s message %s = %+v; the provider got %+v", wantTypes[id], id, m, got)
		}
		wantCategory := "service"
		if id == tpl.ID {
			wantCategory = "utility"
		}
		if m.PricingCategory == nil || *m.PricingCategory != wantCategory {
			t.Errorf("%s pricing_category = %v, want %s", wantTypes[id], m.PricingCategory, wantCategory)
		}
	}

	// A contact whose number the provider does not know: the reply fails
	// for good, with the provider's error.
	e.deliver(t, meta, wa.ID, caio, "Caio", map[string]any{"id": "wamid.caio", "type": "text",
		"text": map[string]any{"body": "Vocês entregam em Niterói?"}})
	caioBase := "/conversations/" + e.conversationWith(t, wa.ID, caioPhone).ID
	var failed messageJSON
	e.expect(t, jsonCall("POST", caioBase+"/messages", e.agentTok, map[string]any{"body": "Entregamos sim!"}), http.StatusCreated, &failed)
	failed = e.waitMessage(t, caioBase, func(m messageJSON) bool { return m.ID == failed.ID && m.Status == "failed" })
	_, plain131026, _ := whatsapp.ErrorInfo(131026)
	if f := failed.Error; f == nil || f.Code != "131026" || f.Title != "Message Undeliverable" ||
		f.Details != "Message Undeliverable." || f.Reason != plain131026 || failed.ProviderMessageID != nil {
		t.Errorf("failed message = %+v, error %+v", failed, failed.Error)
	}
	if _, ok := meta.sentFor(failed.ID); ok {
		t.Errorf("the provider accepted a message to %s", caio)
	}

	// A photo the contact sent waits at the provider until fetched; this one
	// the provider no longer has. Its answer is held until the pending state
	// has been seen.
	release := meta.hold("media-gone")
	e.deliver(t, meta, wa.ID, bruna, "Bruna Lima", map[string]any{"id": "wamid.photo", "type": "image",
		"image": map[string]any{"id": "media-gone", "mime_type": "image/jpeg", "sha256": "c2hhMjU2"}})
	var page list[messageJSON]
	e.expect(t, jsonCall("GET", base+"/messages?limit=1", e.agentTok, nil), http.StatusOK, &page)
	photo := page.Data[0]
	if photo.Kind != "image" || photo.ProviderMessageID == nil || *photo.ProviderMessageID != "wamid.photo" ||
		len(photo.Attachments) != 1 || photo.Attachments[0].Status != "pending" || photo.Attachments[0].Error != nil {
		t.Fatalf("pending photo = %+v", photo)
	}
	e.expectError(t, jsonCall("GET", "/attachments/"+photo.Attachments[0].ID, e.agentTok, nil), http.StatusConflict, "conflict")
	release() // the provider answers: no such media, which fetching again will not change
	got := e.waitMessage(t, base, func(m messageJSON) bool { return m.ID == photo.ID && m.Attachments[0].Status != "pending" })
	const plain100 = "the file is no longer available at WhatsApp"
	if a := got.Attachments[0]; a.Status != "unavailable" || a.Error == nil || !strings.HasPrefix(*a.Error, plain100) {
		t.Errorf("unavailable photo = %+v", a)
	}
	gone := e.expectError(t, jsonCall("GET", "/attachments/"+photo.Attachments[0].ID, e.agentTok, nil), http.StatusConflict, "conflict")
	if !strings.Contains(gone.Message, plain100) {
		t.Errorf("download of unavailable media: %q", gone.Message)
	}

	// The whole thread reads back, every kind valid against the spec.
	e.expect(t, jsonCall("GET", base+"/messages?limit=100", e.ownerTok, nil), http.StatusOK, &page)
	var kinds []string
	for _, m := range page.Data {
		kinds = append(kinds, m.Kind)
	}
	want := []string{"image", "sticker", "reaction", "interactive", "contacts", "location", "text", "template", "text"}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds newest first = %v, want %v", kinds, want)
	}

	// Provider refusals are the channel's state (409); a provider that cannot
	// be reached is a 502. Both are kept as the last error.
	e.expect(t, jsonCall("PATCH", "/channels/"+wa.ID, e.ownerTok, map[string]any{"secrets": map[string]any{"access_token": "EAAJB-revoked"}}),
		http.StatusOK, &wa)
	if !strings.Contains(string(wa.Settings), `"verify_token":"`+verifyToken+`"`) {
		t.Errorf("settings after a secrets update = %s", wa.Settings)
	}
	refused := e.expectError(t, jsonCall("POST", "/channels/"+wa.ID+"/check", e.ownerTok, nil), http.StatusConflict, "conflict")
	if !strings.Contains(refused.Message, "access token has expired") {
		t.Errorf("refused token: %q", refused.Message)
	}
	e.expect(t, jsonCall("GET", "/channels/"+wa.ID+"/health", e.ownerTok, nil), http.StatusOK, &h)
	if h.LastError == nil || !strings.Contains(*h.LastError, "access token has expired") || h.LastErrorAt == nil || h.Number == nil {
		t.Errorf("health after a refused check = %+v", h)
	}
	e.expect(t, jsonCall("POST", "/channels/"+d360.ID+"/check", e.ownerTok, nil), http.StatusOK, &h)
	if h.Number == nil || h.Number.DisplayNumber != "+5511987650000" || h.LastError != nil {
		t.Errorf("360dialog health after a check = %+v", h)
	}
	dialog.srv.Close() // 360dialog is down
	down := e.expectError(t, jsonCall("POST", "/channels/"+d360.ID+"/check", e.ownerTok, nil), http.StatusBadGateway, "bad_gateway")
	if !strings.Contains(down.Message, "could not be reached") || strings.Contains(down.Message, "connection refused") ||
		strings.Contains(down.Message, dialog.url) {
		t.Errorf("a transport error's text was shown: %q", down.Message)
	}
	e.expect(t, jsonCall("GET", "/channels/"+d360.ID+"/health", e.ownerTok, nil), http.StatusOK, &h)
	if h.LastError == nil || h.LastErrorAt == nil || h.Number == nil {
		t.Errorf("360dialog health after an unanswered check = %+v", h)
	}

	// A website channel has nothing to check.
	e.expect(t, jsonCall("GET", "/channels/"+site.ID+"/health", e.agentTok, nil), http.StatusOK, &h)
	if h.Number != nil || h.LastError != nil || h.LastWebhookAt != nil || h.Initiated24h != 0 {
		t.Errorf("website health = %+v", h)
	}
	e.expectError(t, jsonCall("POST", "/channels/"+site.ID+"/check", e.ownerTok, nil), http.StatusConflict, "conflict")
}

// waitMessage polls the conversation's messages, through the API, until one
// satisfies done, for changes made by background jobs and webhooks.
func (e *env) waitMessage(t *testing.T, conv string, done func(messageJSON) bool) messageJSON {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var page list[messageJSON]
		e.expect(t, jsonCall("GET", conv+"/messages?limit=100", e.ownerTok, nil), http.StatusOK, &page)
		for _, m := range page.Data {
			if done(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message of %s reached the awaited state; last page: %+v", conv, page.Data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}
