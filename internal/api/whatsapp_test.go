package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
)

// fakeWhatsApp stands in for the WhatsApp channel types of internal/channel/wa
// (same names, settings, secrets and kinds): a 24-hour reply window that
// templates may pass, a setup guide, a connection check whose answer the
// access token (or API key) picks, sends that succeed unless the body is
// failText, and media that cannot be fetched once media is closed — but no
// provider.
type fakeWhatsApp struct {
	name  string
	media chan struct{}
}

const failText = "this one fails"

func (t fakeWhatsApp) Name() string { return t.name }

func (fakeWhatsApp) Capabilities() channel.Capabilities {
	return channel.Capabilities{Attachments: true, ReplyWindow: 24 * time.Hour, WindowExempt: []string{content.KindTemplate},
		Kinds: []string{content.KindText, content.KindImage, content.KindVideo, content.KindAudio, content.KindDocument,
			content.KindSticker, content.KindLocation, content.KindContacts, content.KindInteractive, content.KindReaction,
			content.KindTemplate}}
}

func (fakeWhatsApp) Send(_ context.Context, _ channel.Channel, _ map[string]string, o channel.Outgoing) (string, error) {
	if o.Body == failText {
		return "", &channel.DeliveryError{Code: "131026", Title: "Message Undeliverable", Details: "Recipient is not a valid WhatsApp user",
			Reason: "The message could not be delivered: the number may not be on WhatsApp."}
	}
	return "wamid.out." + o.MessageID, nil
}

func (t fakeWhatsApp) FetchMedia(ctx context.Context, _ channel.Channel, _ map[string]string, _ string) (channel.Media, error) {
	select {
	case <-t.media:
	case <-ctx.Done():
		return channel.Media{}, ctx.Err()
	}
	return channel.Media{}, &channel.DeliveryError{Reason: "the file expired at the provider"}
}

// Configure keeps what it is given, generating a verify token once for
// whatsapp_cloud; defaults are left for the API to fill in.
func (t fakeWhatsApp) Configure(settings json.RawMessage, secrets map[string]string, _ json.RawMessage) (json.RawMessage, map[string]string, error) {
	s := map[string]any{}
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &s); err != nil || s == nil {
			return nil, nil, problem.Field("settings", "must be an object")
		}
	}
	if t.name == typeWhatsAppCloud && s["verify_token"] == nil {
		s["verify_token"] = "vt-generated-by-charla"
	}
	for _, key := range typeSecrets[t.name] {
		if secrets[key] == "" {
			return nil, nil, problem.Field("secrets."+key, "is required")
		}
	}
	b, err := json.Marshal(s)
	return b, secrets, err
}

func (fakeWhatsApp) Setup(ch channel.Channel) []channel.SetupItem {
	return []channel.SetupItem{{Label: "Callback URL", Value: "http://charla.test/channels/whatsapp/" + ch.ID + "/webhook"}}
}

func (t fakeWhatsApp) Check(_ context.Context, _ channel.Channel, secrets map[string]string) (channel.NumberInfo, error) {
	switch secrets[typeSecrets[t.name][0]] {
	case "expired":
		return channel.NumberInfo{}, &channel.DeliveryError{Code: "190", Title: "Access token has expired",
			Reason: "The access token has expired or was revoked; reconnect the channel with a new token."}
	case "down":
		return channel.NumberInfo{}, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return channel.NumberInfo{DisplayNumber: "+55 11 98765-0000", VerifiedName: "Loja Online", QualityRating: "GREEN",
		MessagingLimit: "TIER_1K", Limit: 1000}, nil
}

// whatsAppScenario creates WhatsApp channels through the API and talks on one:
// a template after the reply window closed, then, once the contact writes,
// structured messages and replies; then health and connection checks.
func whatsAppScenario(t *testing.T, e *env, site channelJSON) {
	ctx := t.Context()
	ws := e.owner.WorkspaceID

	var wa channelJSON
	resp, raw := e.do(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "whatsapp_cloud", "name": "WhatsApp Vendas",
		"settings": map[string]any{"phone_number_id": "106540352242922", "waba_id": "102290129340398"},
		"secrets":  map[string]any{"access_token": "EAAJB-token", "app_secret": "app-secret-1"},
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
	if settings["graph_url"] != "https://graph.facebook.com" || settings["api_version"] != "v23.0" || settings["rate_limit"] != float64(0) ||
		settings["verify_token"] != "vt-generated-by-charla" || settings["phone_number_id"] != "106540352242922" {
		t.Errorf("whatsapp_cloud settings = %s", wa.Settings)
	}
	if strings.Contains(string(raw), "EAAJB-token") || strings.Contains(string(raw), "app-secret-1") {
		t.Errorf("a secret was returned: %s", raw)
	}
	if len(wa.Setup) != 1 || !strings.Contains(wa.Setup[0].Value, wa.ID) || wa.WidgetScript != nil {
		t.Errorf("setup = %+v, widget_script = %v", wa.Setup, wa.WidgetScript)
	}

	var d360 channelJSON
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "360dialog", "name": "WhatsApp Suporte",
		"settings": map[string]any{"phone_number": "+5511987650000"}, "secrets": map[string]any{"api_key": "key-360"},
	}), http.StatusCreated, &d360)
	if !strings.Contains(string(d360.Settings), `"base_url":"https://waba-v2.360dialog.io"`) || strings.Contains(string(d360.Settings), "key-360") {
		t.Errorf("360dialog settings = %s", d360.Settings)
	}

	// The contact wrote 25 hours ago: the 24-hour window has closed.
	ch := must(e.s.Channels.Get(ctx, ws, wa.ID))(t)
	who := contacts.Who{ExternalID: "5521998765432", Name: "Bruna Lima", Phone: "+5521998765432"}
	first := must(e.s.Inbox.Receive(ctx, inbox.Inbound{Channel: ch, From: who, ProviderMessageID: "wamid.first",
		Body: "Oi! Meu pedido chegou?", At: time.Now().Add(-25 * time.Hour)}))(t)
	base := "/conversations/" + first.ConversationID
	var conv conversationJSON
	e.expect(t, jsonCall("GET", base, e.agentTok, nil), http.StatusOK, &conv)
	if conv.WindowClosesAt == nil || !parseTime(t, *conv.WindowClosesAt).Before(time.Now()) {
		t.Errorf("window_closes_at = %v, want a time in the past", conv.WindowClosesAt)
	}

	// Only an approved template can start the conversation again.
	var tpl messageJSON
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "template",
		"content": map[string]any{"template": map[string]any{"name": "order_shipped", "language": "pt_BR",
			"components": []any{map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "4821"}}}},
			"rendered":   "Seu pedido #4821 foi enviado!"}},
	}), http.StatusCreated, &tpl)
	// Delivery runs in the background: the answer may already be past queued.
	if tpl.Kind != "template" || !slices.Contains([]string{"queued", "sending", "sent"}, tpl.Status) || tpl.Content == nil || tpl.Content.Template == nil ||
		tpl.Content.Template.Name != "order_shipped" || !strings.Contains(string(tpl.Content.Template.Components), "4821") {
		t.Errorf("template = %+v", tpl)
	}

	// That started a business-initiated conversation; nothing is known of the number yet.
	var h healthJSON
	e.expect(t, jsonCall("GET", "/channels/"+wa.ID+"/health", e.agentTok, nil), http.StatusOK, &h)
	if h.Initiated24h != 1 || h.Number != nil || h.InitiatedLimit != nil || h.CheckedAt != nil || h.LastError != nil {
		t.Errorf("health before a check = %+v", h)
	}
	e.expect(t, jsonCall("POST", "/channels/"+wa.ID+"/check", e.ownerTok, nil), http.StatusOK, &h)
	if h.Number == nil || h.Number.VerifiedName != "Loja Online" || h.Number.MessagingLimit != "TIER_1K" ||
		h.InitiatedLimit == nil || *h.InitiatedLimit != 1000 || h.Initiated24h != 1 || h.CheckedAt == nil {
		t.Errorf("health after a check = %+v", h)
	}

	// The contact answers: the window is open again.
	again := must(e.s.Inbox.Receive(ctx, inbox.Inbound{Channel: ch, From: who, ProviderMessageID: "wamid.again",
		Body: "Obrigada! Onde fica a loja?"}))(t)
	e.expect(t, jsonCall("GET", base, e.agentTok, nil), http.StatusOK, &conv)
	if conv.WindowClosesAt == nil || !parseTime(t, *conv.WindowClosesAt).After(time.Now().Add(23*time.Hour)) {
		t.Errorf("window_closes_at after the contact wrote = %v", conv.WindowClosesAt)
	}

	var loc messageJSON
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{
		"kind": "location", "reply_to_id": again.MessageID,
		"content": map[string]any{"location": map[string]any{"latitude": -23.5613, "longitude": -46.6565,
			"name": "Loja Paulista", "address": "Av. Paulista, 1000"}},
	}), http.StatusCreated, &loc)
	if loc.Kind != "location" || loc.Content == nil || loc.Content.Location == nil || loc.Content.Location.Latitude != -23.5613 ||
		loc.Content.Location.Name != "Loja Paulista" || loc.ReplyTo == nil || loc.ReplyTo.ID != again.MessageID ||
		loc.ReplyTo.Direction != "incoming" || loc.ReplyTo.Body != "Obrigada! Onde fica a loja?" {
		t.Errorf("location reply = %+v", loc)
	}

	var card, buttons, reaction, sticker, failed messageJSON
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
		"kind": "reaction", "content": map[string]any{"reaction": map[string]any{"emoji": "❤️", "target_id": again.MessageID}},
	}), http.StatusCreated, &reaction)
	if r := reaction.Content.Reaction; r == nil || r.Emoji != "❤️" || r.TargetID != again.MessageID || r.TargetProviderID != "wamid.again" {
		t.Errorf("reaction = %+v", reaction.Content)
	}
	e.expect(t, multipartCall(base+"/messages", e.agentTok,
		part{name: "kind", data: []byte("sticker")},
		part{name: "reply_to_id", data: []byte(first.MessageID)},
		part{name: "file", filename: "thanks.webp", contentType: "image/webp", data: []byte("RIFF....WEBPVP8 ")},
	), http.StatusCreated, &sticker)
	if sticker.Kind != "sticker" || sticker.ReplyTo == nil || sticker.ReplyTo.ID != first.MessageID || len(sticker.Attachments) != 1 ||
		sticker.Attachments[0].Status != "ready" {
		t.Errorf("sticker = %+v", sticker)
	}
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{"body": failText}), http.StatusCreated, &failed)

	// Delivery reports come back through the API: sent with the provider's
	// id, or failed with the provider's error.
	sent := e.waitMessage(t, base, loc.ID, func(m messageJSON) bool { return m.Status == "sent" })
	if sent.ProviderMessageID == nil || *sent.ProviderMessageID != "wamid.out."+loc.ID || sent.Error != nil {
		t.Errorf("sent location = %+v", sent)
	}
	failed = e.waitMessage(t, base, failed.ID, func(m messageJSON) bool { return m.Status == "failed" })
	if f := failed.Error; f == nil || f.Code != "131026" || f.Title != "Message Undeliverable" ||
		f.Details != "Recipient is not a valid WhatsApp user" || !strings.Contains(f.Reason, "could not be delivered") {
		t.Errorf("failed message error = %+v", failed.Error)
	}

	// A photo the contact sent waits at the provider until fetched.
	photo := must(e.s.Inbox.Receive(ctx, inbox.Inbound{Channel: ch, From: who, ProviderMessageID: "wamid.photo",
		Kind: content.KindImage, Media: []inbox.ProviderMedia{{ID: "media-1", Filename: "photo.jpg", ContentType: "image/jpeg"}}}))(t)
	at := photo.Message.Attachments[0]
	var page list[messageJSON]
	e.expect(t, jsonCall("GET", base+"/messages?limit=1", e.agentTok, nil), http.StatusOK, &page)
	if got := page.Data[0]; got.Kind != "image" || got.Attachments[0].Status != "pending" || got.Attachments[0].Error != nil {
		t.Errorf("pending photo = %+v", got)
	}
	e.expectError(t, jsonCall("GET", "/attachments/"+at.ID, e.agentTok, nil), http.StatusConflict, "conflict")
	close(e.media) // the fetch fails for good
	got := e.waitMessage(t, base, photo.MessageID, func(m messageJSON) bool { return m.Attachments[0].Status != "pending" })
	if a := got.Attachments[0]; a.Status != "unavailable" || a.Error == nil || !strings.Contains(*a.Error, "expired") {
		t.Errorf("unavailable photo = %+v", a)
	}

	// The whole thread reads back, every kind valid against the spec.
	e.expect(t, jsonCall("GET", base+"/messages?limit=100", e.ownerTok, nil), http.StatusOK, &page)
	var kinds []string
	for _, m := range page.Data {
		kinds = append(kinds, m.Kind)
	}
	want := []string{"image", "text", "sticker", "reaction", "interactive", "contacts", "location", "text", "template", "text"}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds newest first = %v, want %v", kinds, want)
	}

	// Provider refusals are the channel's state (409); a provider that cannot
	// be reached is a 502. Both are kept as the last error.
	e.expect(t, jsonCall("PATCH", "/channels/"+wa.ID, e.ownerTok, map[string]any{"secrets": map[string]any{"access_token": "expired"}}),
		http.StatusOK, &wa)
	if !strings.Contains(string(wa.Settings), `"verify_token":"vt-generated-by-charla"`) {
		t.Errorf("settings after a secrets update = %s", wa.Settings)
	}
	refused := e.expectError(t, jsonCall("POST", "/channels/"+wa.ID+"/check", e.ownerTok, nil), http.StatusConflict, "conflict")
	if !strings.Contains(refused.Message, "access token has expired") {
		t.Errorf("expired token: %q", refused.Message)
	}
	e.expect(t, jsonCall("GET", "/channels/"+wa.ID+"/health", e.ownerTok, nil), http.StatusOK, &h)
	if h.LastError == nil || !strings.Contains(*h.LastError, "expired") || h.LastErrorAt == nil || h.Number == nil {
		t.Errorf("health after a refused check = %+v", h)
	}
	e.expect(t, jsonCall("PATCH", "/channels/"+d360.ID, e.ownerTok, map[string]any{"secrets": map[string]any{"api_key": "down"}}),
		http.StatusOK, nil)
	down := e.expectError(t, jsonCall("POST", "/channels/"+d360.ID+"/check", e.ownerTok, nil), http.StatusBadGateway, "bad_gateway")
	if strings.Contains(down.Message, "connection refused") {
		t.Errorf("a transport error's text was shown: %q", down.Message)
	}

	// A website channel has nothing to check.
	e.expect(t, jsonCall("GET", "/channels/"+site.ID+"/health", e.agentTok, nil), http.StatusOK, &h)
	if h.Number != nil || h.LastError != nil || h.LastWebhookAt != nil || h.Initiated24h != 0 {
		t.Errorf("website health = %+v", h)
	}
	e.expectError(t, jsonCall("POST", "/channels/"+site.ID+"/check", e.ownerTok, nil), http.StatusConflict, "conflict")
}

// waitMessage polls the conversation's messages until message id satisfies
// done, for changes made by background jobs.
func (e *env) waitMessage(t *testing.T, conv, id string, done func(messageJSON) bool) messageJSON {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var page list[messageJSON]
		e.expect(t, jsonCall("GET", conv+"/messages?limit=100", e.ownerTok, nil), http.StatusOK, &page)
		for _, m := range page.Data {
			if m.ID == id && done(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s did not reach the awaited state; last page: %+v", id, page.Data)
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
