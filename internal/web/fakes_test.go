package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/web/templates"
)

// fakeWhatsApp stands in for the WhatsApp channel types (whatsapp_cloud and
// 360dialog) through the generic channel API only: the same settings and
// secrets, a 24-hour reply window that templates are exempt from, a
// connection check and setup values. Its Configure refuses unknown settings,
// as the real types do, so the forms must post exactly the documented fields.
type fakeWhatsApp struct{ name string }

var (
	fakeCloud  = fakeWhatsApp{templates.WhatsAppCloud}
	fakeDialog = fakeWhatsApp{templates.Dialog360}
)

func (f fakeWhatsApp) Name() string { return f.name }

func (fakeWhatsApp) Capabilities() channel.Capabilities {
	return channel.Capabilities{
		Attachments: true, ReplyWindow: 24 * time.Hour, WindowExempt: []string{content.KindTemplate},
		Kinds: []string{content.KindText, content.KindImage, content.KindVideo, content.KindAudio, content.KindDocument,
			content.KindSticker, content.KindLocation, content.KindContacts, content.KindInteractive,
			content.KindReaction, content.KindTemplate},
	}
}

type fakeSettings struct {
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	WABAID        string `json:"waba_id,omitempty"`
	GraphURL      string `json:"graph_url,omitempty"`
	APIVersion    string `json:"api_version,omitempty"`
	VerifyToken   string `json:"verify_token,omitempty"`
	PhoneNumber   string `json:"phone_number,omitempty"`
	BaseURL       string `json:"base_url,omitempty"`
	Greeting      string `json:"greeting,omitempty"`
}

func (f fakeWhatsApp) Configure(raw json.RawMessage, secrets map[string]string, old json.RawMessage) (json.RawMessage, map[string]string, error) {
	var s, prev fakeSettings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, nil, problem.Field("settings", "unknown field: "+err.Error())
	}
	_ = json.Unmarshal(old, &prev)
	fields := problem.Fields{}
	out := map[string]string{}
	need := func(key string) {
		if secrets[key] == "" {
			fields.Add("secrets."+key, "is required")
		}
		out[key] = secrets[key]
	}
	if f.name == templates.WhatsAppCloud {
		if s.PhoneNumberID == "" {
			fields.Add("settings.phone_number_id", "is required: the number's ID from WhatsApp Manager")
		}
		if s.WABAID == "" {
			fields.Add("settings.waba_id", "is required")
		}
		if s.GraphURL == "" {
			s.GraphURL = "https://graph.facebook.com"
		}
		if s.APIVersion == "" {
			s.APIVersion = "v23.0"
		}
		s.VerifyToken = prev.VerifyToken
		if s.VerifyToken == "" {
			s.VerifyToken = "verify-" + time.Now().Format("150405.000000")
		}
		need("access_token")
		need("app_secret")
	} else {
		if s.BaseURL == "" {
			s.BaseURL = "https://waba-v2.360dialog.io"
		}
		need("api_key")
	}
	for k := range secrets {
		if _, ok := out[k]; !ok {
			fields.Add("secrets."+k, "is not a secret of this type")
		}
	}
	if err := fields.Err(); err != nil {
		return nil, nil, err
	}
	b, _ := json.Marshal(s)
	return b, out, nil
}

// Send holds every message: the provider answers "try again in an hour", so
// a message stays queued (or sending) and tests set its fate themselves.
func (fakeWhatsApp) Send(context.Context, channel.Channel, map[string]string, channel.Outgoing) (string, error) {
	return "", &channel.DeliveryError{Reason: "the fake provider holds messages", Retryable: true, RetryAfter: time.Hour}
}

// FetchMedia serves media ids by their prefix: "ready:" is a PNG, "gone:"
// is lost for good, anything else is not ready yet (it stays pending).
func (fakeWhatsApp) FetchMedia(_ context.Context, _ channel.Channel, _ map[string]string, id string) (channel.Media, error) {
	switch {
	case strings.HasPrefix(id, "ready:"):
		return channel.Media{Body: io.NopCloser(bytes.NewReader(pngBytes)), ContentType: "image/png", Size: int64(len(pngBytes))}, nil
	case strings.HasPrefix(id, "gone:"):
		return channel.Media{}, &channel.DeliveryError{Reason: "the provider deleted it after 30 days"}
	}
	return channel.Media{}, &channel.DeliveryError{Reason: "not ready", Retryable: true}
}

// Check fails for an access token of "expired", in the provider's words.
func (fakeWhatsApp) Check(_ context.Context, _ channel.Channel, secrets map[string]string) (channel.NumberInfo, error) {
	if secrets["access_token"] == "expired" {
		return channel.NumberInfo{}, problem.New(problem.BadRequest,
			"WhatsApp did not answer for this number: (#190) Error validating <access token> — the token expired; create a new one")
	}
	return channel.NumberInfo{DisplayNumber: "+1 555-0100", VerifiedName: "Acme <Shop>", QualityRating: "GREEN",
		MessagingLimit: "TIER_1K", Limit: 1000}, nil
}

func (fakeWhatsApp) Setup(ch channel.Channel) []channel.SetupItem {
	var s fakeSettings
	_ = json.Unmarshal(ch.Settings, &s)
	return []channel.SetupItem{
		{Label: "Callback URL", Value: "http://charla.example/webhooks/whatsapp/" + ch.ID},
		{Label: "Verify token", Value: s.VerifyToken},
	}
}

// whatsapp connects a Cloud API number in u's workspace.
func (e *env) whatsapp(u auth.User) channel.Channel {
	e.t.Helper()
	c, err := e.s.Channels.Create(context.Background(), u.WorkspaceID, templates.WhatsAppCloud, "Sales WhatsApp",
		json.RawMessage(`{"phone_number_id":"106540352242922","waba_id":"102290129340398"}`),
		map[string]string{"access_token": "EAAG-token", "app_secret": "app-secret"})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// inbound has a WhatsApp contact send in on ch; at is when they sent it.
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

// fakeTypes are the channel types the WhatsApp tests serve.
var fakeTypes = []channel.Type{fakeCloud, fakeDialog}

func newWhatsAppEnv(t *testing.T, d *store.DB) *env {
	t.Helper()
	return newEnvTypes(t, d, nil, fakeTypes...)
}
