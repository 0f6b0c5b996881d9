package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/httpx"
	"charla/internal/problem"
)

func (a *server) listChannels(w http.ResponseWriter, r *http.Request) {
	cursor, limit, err := page(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	after, err := parseIDCursor(cursor)
	if err != nil {
		a.error(w, r, err)
		return
	}
	// A workspace has a handful of channels, so the service lists them all
	// and the API pages in memory. Ids are UUIDv7, in creation order like the
	// list, so "after the cursor" holds even if that channel was deleted since.
	all, err := a.s.Channels.List(r.Context(), user(r).WorkspaceID)
	if err != nil {
		a.error(w, r, err)
		return
	}
	chs := make([]channel.Channel, 0, limit)
	next := ""
	for _, c := range all {
		if c.ID <= after {
			continue
		}
		if len(chs) == limit {
			next = chs[len(chs)-1].ID
			break
		}
		chs = append(chs, c)
	}
	httpx.JSON(w, http.StatusOK, listOf(chs, idCursor(next), a.channelOut))
}

type createChannelRequest struct {
	Type     *string         `json:"type"`
	Name     *string         `json:"name"`
	Settings json.RawMessage `json:"settings"`
	Secrets  json.RawMessage `json:"secrets"`
}

type updateChannelRequest struct {
	Name     *string         `json:"name"`
	Settings json.RawMessage `json:"settings"`
	Secrets  json.RawMessage `json:"secrets"`
}

func (a *server) createChannel(w http.ResponseWriter, r *http.Request) {
	if err := requireManager(r); err != nil {
		a.error(w, r, err)
		return
	}
	var req createChannelRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	if req.Type == nil {
		f.Add("type", "is required")
	}
	if req.Name == nil {
		f.Add("name", "is required")
	}
	var secrets map[string]string
	if req.Type != nil {
		// An unknown type is named first: its settings could not be judged.
		if types := a.s.Channels.Types(); !slices.Contains(types.Names(), *req.Type) {
			f.Add("type", "must be one of: "+strings.Join(types.Names(), ", "))
		} else {
			checkSettings(f, *req.Type, req.Settings, true)
			secrets = checkSecrets(f, *req.Type, req.Secrets, true)
		}
	}
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Channels.Create(r.Context(), user(r).WorkspaceID, *req.Type, *req.Name, req.Settings, secrets)
	if err != nil {
		a.error(w, r, activationErr(err))
		return
	}
	httpx.JSON(w, http.StatusCreated, a.channelOut(c))
}

func (a *server) getChannel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "channel_id", "channel")
	if err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Channels.Get(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, a.channelOut(c))
}

func (a *server) updateChannel(w http.ResponseWriter, r *http.Request) {
	if err := requireManager(r); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "channel_id", "channel")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req updateChannelRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	c, err := a.s.Channels.Get(r.Context(), ws, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	if req.Name == nil && req.Settings == nil && req.Secrets == nil {
		// "An empty body changes nothing": not even updated_at.
		httpx.JSON(w, http.StatusOK, a.channelOut(c))
		return
	}
	f := problem.Fields{}
	if req.Settings != nil {
		checkSettings(f, c.Type, req.Settings, false)
	}
	var secrets map[string]string
	if req.Secrets != nil {
		secrets = checkSecrets(f, c.Type, req.Secrets, false)
	}
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	var settings json.RawMessage
	if req.Settings != nil {
		if settings, err = mergeNested(c.Settings, req.Settings); err != nil {
			a.error(w, r, err)
			return
		}
	}
	c, err = a.s.Channels.Update(r.Context(), ws, id, req.Name, settings, secrets)
	if err != nil {
		a.error(w, r, activationErr(err))
		return
	}
	httpx.JSON(w, http.StatusOK, a.channelOut(c))
}

func (a *server) deleteChannel(w http.ResponseWriter, r *http.Request) {
	if err := requireManager(r); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "channel_id", "channel")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.s.Channels.Delete(r.Context(), user(r).WorkspaceID, id); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// channelHealth reports what charla last learned about a channel's connection.
func (a *server) channelHealth(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "channel_id", "channel")
	if err != nil {
		a.error(w, r, err)
		return
	}
	h, err := a.s.Channels.Health(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.writeHealth(w, r, id, h)
}

// checkChannel asks the channel's provider about the connection now.
func (a *server) checkChannel(w http.ResponseWriter, r *http.Request) {
	if err := requireManager(r); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "channel_id", "channel")
	if err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	// Looked up first, so a not-found below is the provider's, not ours.
	if _, err := a.s.Channels.Get(r.Context(), ws, id); err != nil {
		a.error(w, r, err)
		return
	}
	h, err := a.s.Channels.Check(r.Context(), ws, id)
	if err != nil {
		if _, gone := a.s.Channels.Get(r.Context(), ws, id); problem.Is(gone, problem.NotFound) {
			err = gone
		} else {
			err = checkFailed(err)
		}
		a.error(w, r, err)
		return
	}
	a.writeHealth(w, r, id, h)
}

func (a *server) writeHealth(w http.ResponseWriter, r *http.Request, channelID string, h channel.Health) {
	n, err := a.s.Inbox.InitiatedUsage(r.Context(), channelID)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, healthOut(h, n))
}

// websiteSettings is the spec's WebsiteChannelSettingsInput.
type websiteSettings struct {
	Greeting       *string         `json:"greeting"`
	AllowedOrigins []string        `json:"allowed_origins"`
	PrechatForm    json.RawMessage `json:"prechat_form"`
	Color          *string         `json:"color"`
}

type prechatSettings struct {
	Enabled      *bool `json:"enabled"`
	RequireEmail *bool `json:"require_email"`
}

var (
	originRE = regexp.MustCompile(`^https?://[^/?#\s]+/?$`)
	colorRE  = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
)

// checkSettings holds settings (nil when absent) for a channel of type typ
// to the spec's input schema, naming nested fields with dots. The channel
// type validates again and normalises; this adds what it lets through
// (unknown nested fields, origins with a fragment) and precise field names.
func checkSettings(f problem.Fields, typ string, raw json.RawMessage, creating bool) {
	switch {
	case typ == typeWhatsAppCloud || typ == type360dialog:
		checkWhatsAppSettings(f, typ, raw, creating)
		return
	case raw == nil:
		return
	case typ != webchat.TypeName:
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			f.Add("settings", "must be an object")
		}
		return
	}
	var s websiteSettings
	if err := httpx.DecodeNested(raw, &s, "settings"); err != nil {
		addProblem(f, err)
		return
	}
	if s.Greeting != nil && utf8.RuneCountInString(*s.Greeting) > 500 {
		f.Add("settings.greeting", "must be at most 500 characters")
	}
	if s.Color != nil && !colorRE.MatchString(*s.Color) {
		f.Add("settings.color", "must be a hex colour like #2563eb")
	}
	for _, o := range s.AllowedOrigins {
		if !originRE.MatchString(o) {
			f.Add("settings.allowed_origins", o+" is not an origin; write it like https://www.example.com")
		}
	}
	if s.PrechatForm != nil {
		var p prechatSettings
		if err := httpx.DecodeNested(s.PrechatForm, &p, "settings.prechat_form"); err != nil {
			addProblem(f, err)
		}
	}
}

// The WhatsApp channel types (internal/channel/wa). The API holds their
// settings and secrets to the spec; the types validate them again.
const (
	typeWhatsAppCloud = "whatsapp_cloud"
	type360dialog     = "360dialog"
)

// whatsAppCloudSettings is the spec's WhatsAppCloudChannelSettingsInput, plus
// the read-only verify_token, to refuse it by name.
type whatsAppCloudSettings struct {
	PhoneNumberID *string  `json:"phone_number_id"`
	WABAID        *string  `json:"waba_id"`
	AppID         *string  `json:"app_id"`
	GraphURL      *string  `json:"graph_url"`
	APIVersion    *string  `json:"api_version"`
	VerifyToken   *string  `json:"verify_token"`
	Greeting      *string  `json:"greeting"`
	RateLimit     *float64 `json:"rate_limit"`
}

// dialog360Settings is the spec's Dialog360ChannelSettingsInput.
type dialog360Settings struct {
	PhoneNumber *string  `json:"phone_number"`
	BaseURL     *string  `json:"base_url"`
	Greeting    *string  `json:"greeting"`
	RateLimit   *float64 `json:"rate_limit"`
}

// The secrets of each type (the spec's *SecretsInput); all are required when
// creating a channel.
var typeSecrets = map[string][]string{
	typeWhatsAppCloud: {"access_token", "app_secret"},
	type360dialog:     {"api_key"},
}

// whatsAppDefaults are the settings every WhatsApp channel response carries,
// with the values used when none was stored.
var whatsAppDefaults = map[string]map[string]any{
	typeWhatsAppCloud: {"phone_number_id": "", "waba_id": "", "app_id": "", "graph_url": "https://graph.facebook.com",
		"api_version": "v23.0", "verify_token": "", "greeting": "", "rate_limit": 0},
	type360dialog: {"phone_number": "", "base_url": "https://waba-v2.360dialog.io", "greeting": "", "rate_limit": 0},
}

var (
	digitsRE     = regexp.MustCompile(`^[0-9]+$`)
	optDigitsRE  = regexp.MustCompile(`^[0-9]*$`)
	phoneRE      = regexp.MustCompile(`^\+?[0-9]+$`)
	apiVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
	baseURLRE    = regexp.MustCompile(`^https?://[^/?#\s]+(/[^?#\s]*)?$`)
)

const (
	// maxGreeting bounds a WhatsApp greeting, one message's text.
	maxGreeting = 4096
	// maxRate is the highest send rate a number can have (messages per second).
	maxRate = 1000
)

func checkWhatsAppSettings(f problem.Fields, typ string, raw json.RawMessage, creating bool) {
	id := func(name string, v *string, required bool, re *regexp.Regexp, what string) {
		switch {
		case v == nil && required && creating:
			f.Add("settings."+name, "is required")
		case v != nil && !re.MatchString(strings.TrimSpace(*v)):
			f.Add("settings."+name, what)
		}
	}
	url := func(name string, v *string) {
		if v != nil && !baseURLRE.MatchString(*v) {
			f.Add("settings."+name, "must be an http(s) URL like https://graph.facebook.com")
		}
	}
	common := func(greeting *string, rate *float64) {
		if greeting != nil && utf8.RuneCountInString(*greeting) > maxGreeting {
			f.Add("settings.greeting", "must be at most 4096 characters")
		}
		if rate != nil && (*rate < 0 || *rate > maxRate) {
			f.Add("settings.rate_limit", "must be from 0 (the provider's default) to 1000 messages per second")
		}
	}
	if raw == nil {
		raw = json.RawMessage("{}")
	}
	switch typ {
	case typeWhatsAppCloud:
		var s whatsAppCloudSettings
		if err := decodeStrict(raw, &s, "settings"); err != nil {
			addProblem(f, err)
			return
		}
		id("phone_number_id", s.PhoneNumberID, true, digitsRE, "must be the number's ID from WhatsApp Manager (digits)")
		id("waba_id", s.WABAID, true, digitsRE, "must be the WhatsApp Business Account ID (digits)")
		id("app_id", s.AppID, false, optDigitsRE, "must be the Meta app's ID (digits), or \"\" for none")
		url("graph_url", s.GraphURL)
		if s.APIVersion != nil && !apiVersionRE.MatchString(*s.APIVersion) {
			f.Add("settings.api_version", "must be a Graph API version like v23.0")
		}
		if s.VerifyToken != nil {
			f.Add("settings.verify_token", "is generated by charla and cannot be set")
		}
		common(s.Greeting, s.RateLimit)
	case type360dialog:
		var s dialog360Settings
		if err := decodeStrict(raw, &s, "settings"); err != nil {
			addProblem(f, err)
			return
		}
		id("phone_number", s.PhoneNumber, false, phoneRE, "must be the number in international format, e.g. +5511987654321")
		url("base_url", s.BaseURL)
		common(s.Greeting, s.RateLimit)
	}
}

// checkSecrets holds secrets (nil when absent) for a channel of type typ to
// the spec and returns them for the service, which merges them into the
// stored ones on update.
func checkSecrets(f problem.Fields, typ string, raw json.RawMessage, creating bool) map[string]string {
	names, known := typeSecrets[typ]
	switch {
	case typ == webchat.TypeName:
		if raw != nil {
			f.Add("secrets", "website channels have no secrets")
		}
		return nil
	case raw == nil && !(known && creating):
		return nil
	case raw == nil:
		raw = json.RawMessage("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		f.Add("secrets", "must be an object")
		return nil
	}
	m := map[string]string{}
	for k, v := range obj {
		var str string
		switch {
		case known && !slices.Contains(names, k):
			f.Add("secrets."+k, "unknown field")
		case string(v) == "null" || json.Unmarshal(v, &str) != nil:
			f.Add("secrets."+k, "must be a string")
		case blank(str):
			f.Add("secrets."+k, "must not be empty; leave it out to keep the current value")
		default:
			m[k] = strings.TrimSpace(str)
		}
	}
	if known && creating {
		for _, k := range names {
			if _, ok := obj[k]; !ok {
				f.Add("secrets."+k, "is required")
			}
		}
	}
	return m
}

// whatsAppSettingsOut completes a WhatsApp channel's stored settings with the
// fields the spec promises and drops anything named like a secret, which
// must never be returned.
func whatsAppSettingsOut(typ string, raw json.RawMessage) json.RawMessage {
	m, err := object(raw)
	if err != nil || m == nil {
		m = map[string]any{}
	}
	for _, names := range typeSecrets {
		for _, k := range names {
			delete(m, k)
		}
	}
	for k, def := range whatsAppDefaults[typ] {
		if v, ok := m[k]; !ok || v == nil || v == "" {
			m[k] = def
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return b
}

// activationErr is the API's reading of a failed create or update. The
// service's only 400 comes from the provider refusing to connect the channel
// (360dialog registers its webhook at once): the body was fine, so it is the
// channel's credentials that clash with the provider, a 409.
func activationErr(err error) error {
	if p, ok := errors.AsType[*problem.Error](err); ok && p.Kind == problem.BadRequest {
		return &problem.Error{Kind: problem.Conflict, Message: p.Message, Fields: p.Fields}
	}
	return err
}

// addProblem copies a field problem into f; other errors cannot come from
// decoding a value already parsed as JSON, but are kept under "settings".
func addProblem(f problem.Fields, err error) {
	p := problem.As(err)
	if len(p.Fields) == 0 {
		f.Add("settings", p.Message)
	}
	for k, v := range p.Fields {
		f.Add(k, v)
	}
}

// mergeNested completes the objects nested in a settings patch (such as
// prechat_form) from the current settings, since the spec merges at every
// level. Top-level keys are left to the channel service, which merges them
// inside its transaction; only a concurrent change within the same nested
// object can be lost to this read.
func mergeNested(current, patch json.RawMessage) (json.RawMessage, error) {
	p, err := object(patch)
	if err != nil || p == nil {
		return nil, problem.Field("settings", "must be an object")
	}
	c, _ := object(current)
	for k, v := range p {
		if pm, ok := v.(map[string]any); ok {
			if cm, ok := c[k].(map[string]any); ok {
				p[k] = mergeMaps(cm, pm)
			}
		}
	}
	return json.Marshal(p)
}

// object decodes a JSON object keeping numbers exact, for settings of types
// this package does not know.
func object(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	err := dec.Decode(&m)
	return m, err
}

func mergeMaps(base, patch map[string]any) map[string]any {
	for k, v := range patch {
		if pm, ok := v.(map[string]any); ok {
			if bm, ok := base[k].(map[string]any); ok {
				base[k] = mergeMaps(bm, pm)
				continue
			}
		}
		base[k] = v
	}
	return base
}
