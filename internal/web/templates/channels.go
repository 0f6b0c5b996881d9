package templates

import (
	"fmt"
	"strings"
	"time"

	"charla/internal/channel"
)

// The provider channel types the settings pages can connect. The names are
// the channel types' own; they are repeated here (not imported) so the UI
// depends only on the generic channel API.
const (
	WhatsAppCloud = "whatsapp_cloud"
	Dialog360     = "360dialog"
)

// ProviderTypes are the types with a connect form, in the order offered.
var ProviderTypes = []string{WhatsAppCloud, Dialog360}

// TypeLabel names a channel type for people.
func TypeLabel(typ string) string {
	switch typ {
	case "website":
		return "Website"
	case WhatsAppCloud:
		return "WhatsApp Cloud API"
	case Dialog360:
		return "WhatsApp via 360dialog"
	}
	return typ
}

// ProviderField is one setting or secret of a provider channel's form. The
// same list renders the form and reads it back, so they can't disagree.
type ProviderField struct {
	// Key is the settings or secrets key, also the form field's name.
	Key   string
	Label string
	// Help says where to find the value, in a sentence.
	Help string
	// Secret values are sealed at rest and never shown again; an empty field
	// on edit keeps the stored one.
	Secret bool
	// Advanced fields have working defaults and sit folded away.
	Advanced    bool
	Placeholder string
	Multiline   bool
	// Number fields are stored as JSON numbers; empty means the default.
	Number bool
}

// ErrorKey is the field name the channel type uses in its errors.
func (f ProviderField) ErrorKey() string {
	if f.Secret {
		return "secrets." + f.Key
	}
	return "settings." + f.Key
}

var greetingField = ProviderField{Key: "greeting", Label: "Greeting", Multiline: true,
	Help: "Optional. A welcome text for contacts who write to this number for the first time."}

// rateField is the channel's send rate: shared by agent replies (which go
// first) and broadcasts.
func rateField(def, help string) ProviderField {
	return ProviderField{Key: "rate_limit", Label: "Send rate (messages per second)", Advanced: true, Number: true,
		Placeholder: def, Help: "Empty for the default (" + def + "/s). " + help}
}

var providerFields = map[string][]ProviderField{
	WhatsAppCloud: {
		{Key: "phone_number_id", Label: "Phone number ID", Placeholder: "e.g. 106540352242922",
			Help: "Meta's ID for the number (not the number itself): WhatsApp Manager → API Setup, or the Meta app → WhatsApp → API Setup."},
		{Key: "waba_id", Label: "WhatsApp Business Account ID", Placeholder: "e.g. 102290129340398",
			Help: "Shown on the same API Setup page, above the phone number ID."},
		{Key: "access_token", Label: "Access token", Secret: true,
			Help: "A permanent System User token (Business Settings → System users) with the whatsapp_business_messaging and whatsapp_business_management permissions."},
		{Key: "app_secret", Label: "App secret", Secret: true,
			Help: "Meta app → App settings → Basic → App secret. charla checks every webhook's signature with it."},
		greetingField,
		{Key: "app_id", Label: "Meta app ID", Placeholder: "e.g. 1234567890123456",
			Help: "Optional: needed to upload template media samples and the profile photo. Meta app → App settings → Basic → App ID."},
		rateField("80", "Meta's default throughput is 80 messages per second; numbers Meta upgraded may send up to 1,000."),
		{Key: "graph_url", Label: "Graph API URL", Advanced: true, Placeholder: "https://graph.facebook.com",
			Help: "Leave empty for Meta's own; change it only to point at a proxy or a test server."},
		{Key: "api_version", Label: "API version", Advanced: true, Placeholder: "v23.0",
			Help: "The Graph API version charla calls. Leave empty for the tested default."},
	},
	Dialog360: {
		{Key: "phone_number", Label: "Phone number", Placeholder: "+5511987654321",
			Help: "The WhatsApp number in international format; it labels the channel and the troubleshooting panel."},
		{Key: "api_key", Label: "API key", Secret: true,
			Help: "360dialog Hub → your number → API key (sent as D360-API-KEY). charla registers its webhook with it when you save."},
		greetingField,
		rateField("10", "360dialog allows 10 requests per second per number unless your plan says otherwise."),
		{Key: "base_url", Label: "API base URL", Advanced: true, Placeholder: "https://waba-v2.360dialog.io",
			Help: "Leave empty for 360dialog's; change it only for a test server."},
	},
}

// ProviderFields lists the form fields of a provider type (nil for others).
func ProviderFields(typ string) []ProviderField { return providerFields[typ] }

// ProviderForm creates (ID "") or edits a provider channel such as WhatsApp.
type ProviderForm struct {
	Settings
	ID   string
	Type string
	Name string
	// Values are the non-secret settings by key, as stored or as typed.
	Values map[string]string
	// Setup are the values to paste at the provider, once the channel exists.
	Setup  []channel.SetupItem
	Health *ChannelHealth
	Nav    ChannelNav
}

func (v ProviderForm) fields(advanced bool) []ProviderField {
	var out []ProviderField
	for _, f := range ProviderFields(v.Type) {
		if f.Advanced == advanced {
			out = append(out, f)
		}
	}
	return out
}

// ChannelHealth is the troubleshooting panel of a provider channel.
type ChannelHealth struct {
	ChannelID string
	Health    channel.Health
	// Checkable tells whether the type can ask its provider ("Check connection").
	Checkable bool
	// Initiated counts the contacts the business started conversations with
	// in the rolling 24 hours, which the messaging limit caps.
	Initiated int
	// CheckError is the provider's answer to a check that just failed.
	CheckError string
	// Checked is true right after a check succeeded.
	Checked bool
}

// copyable tells whether a setup value is something to paste (a URL, a
// token) rather than advice to read, so it gets a copy button.
func copyable(v string) bool { return v != "" && !strings.ContainsAny(v, " \t\n") }

// qualityLabel explains Meta's quality colours.
func qualityLabel(q string) string {
	switch strings.ToUpper(q) {
	case "GREEN":
		return "Green — high quality"
	case "YELLOW":
		return "Yellow — medium quality: fewer blocks and reports would help"
	case "RED":
		return "Red — low quality: the messaging limit may be lowered"
	case "", "UNKNOWN", "NA":
		return "Unknown"
	}
	return q
}

func qualityClass(q string) string {
	switch strings.ToUpper(q) {
	case "GREEN", "YELLOW", "RED":
		return "quality quality-" + strings.ToLower(q)
	}
	return "quality quality-unknown"
}

// limitText is the messaging limit: the tier and what it allows.
func limitText(n channel.NumberInfo) string {
	switch {
	case n.Limit < 0:
		return "Unlimited business-initiated conversations"
	case n.Limit > 0 && n.MessagingLimit != "":
		return fmt.Sprintf("%s contacts per 24 h (%s)", thousands(n.Limit), n.MessagingLimit)
	case n.Limit > 0:
		return fmt.Sprintf("%s contacts per 24 h", thousands(n.Limit))
	case n.MessagingLimit != "":
		return n.MessagingLimit
	}
	return "Unknown"
}

// usageText is "N of LIMIT" for business-initiated conversations.
func usageText(used int, n *channel.NumberInfo) string {
	switch {
	case n == nil || n.Limit == 0:
		return fmt.Sprintf("%s (limit unknown: check the connection)", thousands(used))
	case n.Limit < 0:
		return fmt.Sprintf("%s (no limit)", thousands(used))
	}
	return fmt.Sprintf("%s of %s", thousands(used), thousands(n.Limit))
}

// nearLimit warns when four fifths of the limit are used.
func nearLimit(used int, n *channel.NumberInfo) bool {
	return n != nil && n.Limit > 0 && used*5 >= n.Limit*4
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// when is a health timestamp: full time and how long ago, or "never".
func when(t *time.Time, never string) string {
	if t == nil {
		return never
	}
	d := time.Since(*t)
	switch {
	case d < time.Minute:
		return fullTime(*t) + " (just now)"
	case d < 7*24*time.Hour:
		return fullTime(*t) + " (" + Ago(*t) + " ago)"
	}
	return fullTime(*t)
}
