// Package webchat is the "Website" channel: an embeddable widget whose
// visitors chat with agents over a WebSocket.
package webchat

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"charla/internal/channel"
	"charla/internal/problem"
)

// TypeName is the channel type stored for website channels.
const TypeName = "website"

// Settings configure a website channel.
type Settings struct {
	Greeting string `json:"greeting"`
	// AllowedOrigins lists the sites (scheme://host[:port]) that may embed the widget; empty allows any.
	AllowedOrigins []string `json:"allowed_origins"`
	PrechatForm    Prechat  `json:"prechat_form"`
	Color          string   `json:"color"`
}

// Prechat asks visitors who they are before the first message.
type Prechat struct {
	Enabled      bool `json:"enabled"`
	RequireEmail bool `json:"require_email"`
}

// Type implements channel.Type for website channels.
type Type struct{ MaxUploadBytes int64 }

func (Type) Name() string { return TypeName }

func (t Type) Capabilities() channel.Capabilities {
	return channel.Capabilities{Attachments: true, MaxAttachmentBytes: t.MaxUploadBytes, SelfDelivering: true}
}

var color = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Configure validates website settings; a website channel has no secrets.
func (Type) Configure(raw json.RawMessage, _ map[string]string, _ json.RawMessage) (json.RawMessage, map[string]string, error) {
	s := Settings{Greeting: "Hi! How can we help you today?", Color: "#2563eb"}
	if len(raw) > 0 && string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, nil, problem.Field("settings", "must be an object with greeting, allowed_origins, prechat_form and color: "+err.Error())
		}
	}
	f := problem.Fields{}
	s.Greeting = strings.TrimSpace(s.Greeting)
	if utf8.RuneCountInString(s.Greeting) > 500 {
		f.Add("settings.greeting", "must be at most 500 characters")
	}
	if !color.MatchString(s.Color) {
		f.Add("settings.color", "must be a hex colour like #2563eb")
	}
	origins := []string{}
	for _, o := range s.AllowedOrigins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		n, ok := NormalizeOrigin(o)
		if !ok {
			f.Add("settings.allowed_origins", o+" is not an origin; write it like https://www.example.com")
			continue
		}
		origins = append(origins, n)
	}
	s.AllowedOrigins = origins
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	out, err := json.Marshal(s)
	return out, nil, err
}

// Parse reads stored settings.
func Parse(raw json.RawMessage) Settings {
	var s Settings
	_ = json.Unmarshal(raw, &s)
	if s.AllowedOrigins == nil {
		s.AllowedOrigins = []string{}
	}
	return s
}

// NormalizeOrigin returns scheme://host[:port] in lower case, or false.
func NormalizeOrigin(o string) (string, bool) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

// OriginAllowed tells whether a page at origin may use the widget of a channel with settings s.
func (s Settings) OriginAllowed(origin string) bool {
	if len(s.AllowedOrigins) == 0 {
		return true
	}
	n, ok := NormalizeOrigin(origin)
	if !ok {
		return false
	}
	for _, a := range s.AllowedOrigins {
		if a == n {
			return true
		}
	}
	return false
}
