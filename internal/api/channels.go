package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
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
}

type updateChannelRequest struct {
	Name     *string         `json:"name"`
	Settings json.RawMessage `json:"settings"`
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
	if req.Type != nil && req.Settings != nil {
		checkSettings(f, *req.Type, req.Settings)
	}
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Channels.Create(r.Context(), user(r).WorkspaceID, *req.Type, *req.Name, req.Settings, nil)
	if err != nil {
		a.error(w, r, err)
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
	if req.Name == nil && req.Settings == nil {
		// "An empty body changes nothing": not even updated_at.
		httpx.JSON(w, http.StatusOK, a.channelOut(c))
		return
	}
	var settings json.RawMessage
	if req.Settings != nil {
		f := problem.Fields{}
		checkSettings(f, c.Type, req.Settings)
		if err := f.Err(); err != nil {
			a.error(w, r, err)
			return
		}
		if settings, err = mergeNested(c.Settings, req.Settings); err != nil {
			a.error(w, r, err)
			return
		}
	}
	c, err = a.s.Channels.Update(r.Context(), ws, id, req.Name, settings, nil)
	if err != nil {
		a.error(w, r, err)
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

// checkSettings holds settings for a channel of type typ to the spec's
// input schema, naming nested fields with dots. The channel type validates
// again and normalises; this adds what it lets through (unknown nested
// fields, origins with a fragment) and precise field names.
func checkSettings(f problem.Fields, typ string, raw json.RawMessage) {
	if typ != webchat.TypeName {
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
