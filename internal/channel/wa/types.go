// Package wa connects WhatsApp numbers to the inbox: the "whatsapp_cloud"
// (Meta's Cloud API) and "360dialog" channel types, their webhooks, and
// delivery through the provider. The wire formats live in
// internal/channel/whatsapp; this package maps them to charla's channel and
// inbox model.
package wa

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"charla/internal/channel"
	"charla/internal/channel/whatsapp"
	"charla/internal/content"
	"charla/internal/problem"
)

// Type names.
const (
	CloudType  = "whatsapp_cloud"
	DialogType = "360dialog"
)

// Window is WhatsApp's customer-service window.
const Window = 24 * time.Hour

// Config is what both types need from the server.
type Config struct {
	// BaseURL is charla's public URL, which webhook URLs start with.
	BaseURL string
	// HTTPClient calls the provider (nil: a client with a 60 s timeout).
	HTTPClient *http.Client
}

// Type is one of the two WhatsApp channel types; they differ only in how the
// provider is reached and how webhooks are authenticated.
type Type struct {
	cfg      Config
	provider whatsapp.Provider
}

// Cloud is the "whatsapp_cloud" type.
func Cloud(cfg Config) *Type { return &Type{cfg: withClient(cfg), provider: whatsapp.CloudAPI} }

// Dialog is the "360dialog" type.
func Dialog(cfg Config) *Type { return &Type{cfg: withClient(cfg), provider: whatsapp.Dialog360} }

// withClient gives the type one HTTP client that keeps connections to the
// provider open: the default keeps two per host, so at hundreds of sends a
// second nearly every send would pay a new TCP and TLS handshake.
func withClient(cfg Config) Config {
	if cfg.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 512
		tr.MaxIdleConnsPerHost = 256
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second, Transport: tr}
	}
	return cfg
}

func (t *Type) Name() string {
	if t.provider == whatsapp.Dialog360 {
		return DialogType
	}
	return CloudType
}

func (t *Type) Capabilities() channel.Capabilities {
	return channel.Capabilities{
		Attachments:        true,
		MaxAttachmentBytes: whatsapp.MaxMediaBytes,
		ReplyWindow:        Window,
		SendRate:           t.defaultRate(),
		WindowExempt:       []string{content.KindTemplate},
		Kinds: []string{content.KindText, content.KindImage, content.KindVideo, content.KindAudio,
			content.KindDocument, content.KindSticker, content.KindLocation, content.KindContacts,
			content.KindInteractive, content.KindReaction, content.KindTemplate},
	}
}

// Settings are a WhatsApp channel's stored, non-secret settings.
type Settings struct {
	// Cloud API.
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	WABAID        string `json:"waba_id,omitempty"`
	// AppID is the Meta app's id, needed only for the resumable uploads
	// behind template media samples and the profile photo.
	AppID      string `json:"app_id,omitempty"`
	GraphURL   string `json:"graph_url,omitempty"`
	APIVersion string `json:"api_version,omitempty"`
	// VerifyToken answers Meta's subscription handshake; charla generates it
	// and shows it for pasting into the Meta app.
	VerifyToken string `json:"verify_token,omitempty"`
	// 360dialog.
	PhoneNumber string `json:"phone_number,omitempty"`
	BaseURL     string `json:"base_url,omitempty"`

	Greeting string `json:"greeting,omitempty"`
	// RateLimit caps sends per second on this number (0: the type's default).
	RateLimit float64 `json:"rate_limit,omitempty"`
}

// MaxRate is the Cloud API's highest throughput tier (messages per second).
const MaxRate = 1000

// defaultRate is each provider's default throughput: the Cloud API's 80
// messages/s, 360dialog's 10 requests/s.
func (t *Type) defaultRate() float64 {
	if t.provider == whatsapp.Dialog360 {
		return 10
	}
	return 80
}

// Secret keys.
const (
	secretToken     = "access_token"
	secretAppSecret = "app_secret"
	secretAPIKey    = "api_key"
	// secretPath is the unguessable part of a 360dialog webhook URL, since
	// 360dialog does not sign its deliveries.
	secretPath = "webhook_secret"
)

func (t *Type) Configure(raw json.RawMessage, secrets map[string]string, old json.RawMessage) (json.RawMessage, map[string]string, error) {
	var s Settings
	if len(raw) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, nil, problem.Field("settings", "must be an object with the documented fields: "+err.Error())
		}
	}
	var prev Settings
	if len(old) > 0 {
		_ = json.Unmarshal(old, &prev)
	}
	out := map[string]string{}
	f := problem.Fields{}
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	trim(&s.PhoneNumberID)
	trim(&s.WABAID)
	trim(&s.AppID)
	trim(&s.PhoneNumber)
	trim(&s.Greeting)
	if s.RateLimit < 0 || s.RateLimit > MaxRate {
		f.Add("settings.rate_limit", "must be between 1 and 1000 messages per second (0 or absent: the provider's default)")
	}
	if len([]rune(s.Greeting)) > whatsapp.MaxTextBody {
		f.Add("settings.greeting", "must be at most 4096 characters")
	}
	if t.provider == whatsapp.CloudAPI {
		if !digitsOnly(s.PhoneNumberID) {
			f.Add("settings.phone_number_id", "is required: the number's ID from WhatsApp Manager → API Setup (digits)")
		}
		if !digitsOnly(s.WABAID) {
			f.Add("settings.waba_id", "is required: the WhatsApp Business Account ID (digits)")
		}
		if s.AppID != "" && !digitsOnly(s.AppID) {
			f.Add("settings.app_id", "must be the Meta app's ID (digits), from the app dashboard")
		}
		s.GraphURL = defaultURL(f, "settings.graph_url", s.GraphURL, whatsapp.DefaultCloudAPIBase)
		if s.APIVersion == "" {
			s.APIVersion = whatsapp.DefaultVersion
		} else if !validVersion(s.APIVersion) {
			f.Add("settings.api_version", "must look like v23.0")
		}
		s.PhoneNumber, s.BaseURL = "", ""
		// The verify token is charla's to choose: a client can't set it, and it
		// survives updates.
		s.VerifyToken = prev.VerifyToken
		if s.VerifyToken == "" {
			s.VerifyToken = randomToken()
		}
		require(f, secrets, out, secretToken, "the access token (a system user token with whatsapp_business_messaging)")
		require(f, secrets, out, secretAppSecret, "the Meta app's App Secret, which signs webhooks")
	} else {
		if s.PhoneNumber != "" && !digitsOnly(strings.TrimPrefix(s.PhoneNumber, "+")) {
			f.Add("settings.phone_number", "must be the number in international format, e.g. +5511987654321")
		}
		s.BaseURL = defaultURL(f, "settings.base_url", s.BaseURL, whatsapp.DefaultDialog360Base)
		s.PhoneNumberID, s.WABAID, s.AppID, s.GraphURL, s.APIVersion, s.VerifyToken = "", "", "", "", "", ""
		require(f, secrets, out, secretAPIKey, "the 360dialog API key (D360-API-KEY)")
		out[secretPath] = secrets[secretPath]
		if out[secretPath] == "" {
			out[secretPath] = randomToken()
		}
	}
	for k := range secrets {
		if _, ok := out[k]; !ok {
			f.Add("secrets."+k, "is not a secret of a "+t.Name()+" channel")
		}
	}
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	b, _ := json.Marshal(s)
	return b, out, nil
}

// Setup lists what an admin pastes into the Meta app (Cloud API); 360dialog
// needs nothing, since charla registers its webhook itself.
func (t *Type) Setup(ch channel.Channel) []channel.SetupItem {
	if t.provider != whatsapp.CloudAPI {
		return []channel.SetupItem{{Label: "Webhook", Value: "registered with 360dialog automatically when the channel is saved"}}
	}
	s := settingsOf(ch)
	return []channel.SetupItem{
		{Label: "Callback URL", Value: t.webhookURL(ch, nil)},
		{Label: "Verify token", Value: s.VerifyToken},
		{Label: "Webhook fields to subscribe", Value: "messages, account_update, message_template_status_update, phone_number_quality_update"},
	}
}

// Activate registers a 360dialog channel's webhook URL before it is stored,
// so a wrong API key is caught at once.
func (t *Type) Activate(ctx context.Context, ch channel.Channel, secrets map[string]string) error {
	if t.provider != whatsapp.Dialog360 {
		return nil
	}
	err := t.client(ch, secrets).SetWebhook(ctx, t.webhookURL(ch, secrets))
	if err != nil {
		// Saving a channel is answered at once either way: a problem says
		// what went wrong, and the admin retries the save.
		return problem.New(problem.BadRequest, "360dialog did not accept the webhook registration: %v", explain(err))
	}
	return nil
}

// Check reads the number's details from the provider.
func (t *Type) Check(ctx context.Context, ch channel.Channel, secrets map[string]string) (channel.NumberInfo, error) {
	if t.provider == whatsapp.Dialog360 {
		// 360dialog documents no phone-number endpoint; reading the
		// registered webhook proves the API key and shows where it points.
		url, err := t.client(ch, secrets).Webhook(ctx)
		if err != nil {
			return channel.NumberInfo{}, providerProblem("Checking the 360dialog number failed", err)
		}
		if want := t.webhookURL(ch, secrets); url != want {
			return channel.NumberInfo{}, problem.New(problem.Conflict, "360dialog delivers this number's webhooks to %q, not to charla; save the channel again to register charla's URL", url)
		}
		s := settingsOf(ch)
		return channel.NumberInfo{DisplayNumber: s.PhoneNumber, QualityRating: "UNKNOWN"}, nil
	}
	p, err := t.client(ch, secrets).PhoneNumber(ctx)
	if err != nil {
		return channel.NumberInfo{}, providerProblem("Checking the number failed", err)
	}
	info := channel.NumberInfo{DisplayNumber: p.DisplayPhoneNumber, VerifiedName: p.VerifiedName,
		QualityRating: p.QualityRating, MessagingLimit: p.MessagingLimitTier}
	info.Limit = limitOf(p.MessagingLimitTier)
	return info, nil
}

// limitOf turns a tier name into a count (-1 unlimited, 0 unknown).
func limitOf(tier string) int {
	n, unlimited, ok := whatsapp.TierLimit(tier)
	switch {
	case !ok:
		return 0
	case unlimited:
		return -1
	}
	return n
}

// webhookURL is where the provider delivers this channel's webhooks.
func (t *Type) webhookURL(ch channel.Channel, secrets map[string]string) string {
	base := strings.TrimRight(t.cfg.BaseURL, "/")
	if t.provider == whatsapp.Dialog360 {
		return base + "/webhooks/360dialog/" + ch.ID + "/" + secrets[secretPath]
	}
	return base + "/webhooks/whatsapp/" + ch.ID
}

func (t *Type) client(ch channel.Channel, secrets map[string]string) *whatsapp.Client {
	s := settingsOf(ch)
	cfg := whatsapp.ClientConfig{Provider: t.provider, HTTPClient: t.cfg.HTTPClient}
	if t.provider == whatsapp.Dialog360 {
		cfg.BaseURL, cfg.APIKey = s.BaseURL, secrets[secretAPIKey]
	} else {
		cfg.BaseURL, cfg.Version, cfg.PhoneNumberID, cfg.Token = s.GraphURL, s.APIVersion, s.PhoneNumberID, secrets[secretToken]
		cfg.WABAID, cfg.AppID = s.WABAID, s.AppID
	}
	return whatsapp.NewClient(cfg)
}

func settingsOf(ch channel.Channel) Settings {
	var s Settings
	_ = json.Unmarshal(ch.Settings, &s)
	return s
}

func explain(err error) string {
	var e *whatsapp.APIError
	if asAPIError(err, &e) {
		return e.Error() + " — " + e.Plain()
	}
	return err.Error()
}

// providerProblem turns a provider failure into an error an admin can act on:
// the provider's words plus charla's explanation.
// A provider that could not answer (down, unreachable, throttling) is a
// retryable DeliveryError instead, so callers can tell "try later" from
// "fix the settings".
func providerProblem(what string, err error) error {
	var e *whatsapp.APIError
	if !asAPIError(err, &e) {
		return problem.New(problem.BadRequest, "%s: %v", what, err)
	}
	if e.Retryable() {
		d := deliveryError(err).(*channel.DeliveryError)
		d.Reason = what + ": " + d.Reason
		return d
	}
	return problem.New(problem.BadRequest, "%s: %s — %s", what, e.Error(), e.Plain())
}

func require(f problem.Fields, in, out map[string]string, key, what string) {
	v := strings.TrimSpace(in[key])
	if v == "" {
		f.Add("secrets."+key, "is required: "+what)
		return
	}
	out[key] = v
}

func defaultURL(f problem.Fields, field, v, def string) string {
	v = strings.TrimRight(strings.TrimSpace(v), "/")
	if v == "" {
		return def
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		f.Add(field, "must be an http(s) URL")
	}
	return v
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func validVersion(v string) bool {
	if !strings.HasPrefix(v, "v") {
		return false
	}
	major, minor, ok := strings.Cut(v[1:], ".")
	return ok && digitsOnly(major) && digitsOnly(minor)
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
