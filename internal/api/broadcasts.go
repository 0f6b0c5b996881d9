package api

import (
	"encoding/json"
	"net/http"
	"time"

	"charla/internal/broadcast"
	"charla/internal/httpx"
	"charla/internal/problem"
)

// Broadcasts: one message to many contacts on one channel. Every role may
// read them, estimate an audience and preview a CSV list; composing,
// starting and stopping them is for owners and admins.

const manageBroadcasts = "broadcasts"

// maxBroadcastJSON bounds a broadcast body: a list audience of up to
// broadcast.MaxListed ids does not fit the usual 1 MiB.
const maxBroadcastJSON = 5 << 20

// broadcastRequest is the spec's CreateBroadcastRequest and, every field
// optional and channel_id refused, UpdateBroadcastRequest.
type broadcastRequest struct {
	Name      *string                `json:"name"`
	ChannelID *string                `json:"channel_id"`
	Template  *broadcastTemplateJSON `json:"template"`
	Text      *string                `json:"text"`
	Audience  *audienceJSON          `json:"audience"`
	// ScheduledAt is raw to tell absent (unchanged) from null (send on start).
	ScheduledAt json.RawMessage `json:"scheduled_at"`
	TimeZone    *string         `json:"time_zone"`
}

// audienceJSON is the spec's BroadcastAudienceInput.
type audienceJSON struct {
	SegmentID  string      `json:"segment_id"`
	Filter     *filterJSON `json:"filter"`
	ContactIDs []string    `json:"contact_ids"`
}

// audience turns the request's audience into the service's, checking the
// ids' form; the service checks the rest (one kind, size, the filter).
func (j audienceJSON) audience(f problem.Fields) broadcast.Audience {
	a := broadcast.Audience{SegmentID: j.SegmentID, ContactIDs: j.ContactIDs}
	if j.SegmentID != "" && !isID(j.SegmentID) {
		f.Add("audience.segment_id", "must be a segment id")
	}
	if j.Filter != nil {
		flt := j.Filter.filter(f, "audience.filter.")
		a.Filter = &flt
	}
	for _, id := range j.ContactIDs {
		if !isID(id) {
			f.Add("audience.contact_ids", "each must be a contact id")
			break
		}
	}
	return a
}

// apply writes the request's fields over in. A template replaces a text
// and a text a template, since a broadcast carries one of them.
func (req broadcastRequest) apply(f problem.Fields, in *broadcast.Input) {
	if req.Name != nil {
		in.Name = *req.Name
	}
	if req.Template != nil {
		t := req.Template
		in.Template = &broadcast.Template{Name: t.Name, Language: t.Language, Values: t.Variables}
		if req.Text == nil {
			in.Text = ""
		}
	}
	if req.Text != nil {
		in.Text = *req.Text
		if req.Template == nil {
			in.Template = nil
		}
	}
	if req.Audience != nil {
		in.Audience = req.Audience.audience(f)
	}
	if req.TimeZone != nil {
		in.TimeZone = *req.TimeZone
	}
	switch raw := req.ScheduledAt; {
	case raw == nil:
	case string(raw) == "null":
		in.ScheduledAt = nil
	default:
		var s string
		var t time.Time
		err := json.Unmarshal(raw, &s)
		if err == nil {
			t, err = time.Parse(time.RFC3339Nano, s)
		}
		if err != nil {
			f.Add("scheduled_at", "must be a date-time with its offset, such as 2026-12-01T09:30:00-03:00, or null")
		}
		in.ScheduledAt = &t
	}
}

func (a *server) listBroadcasts(w http.ResponseWriter, r *http.Request) {
	cursor, limit, err := page(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	before, err := parseIDCursor(cursor)
	if err != nil {
		a.error(w, r, err)
		return
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", broadcast.Draft, broadcast.Scheduled, broadcast.Running, broadcast.Paused, broadcast.Completed, broadcast.Cancelled:
	default:
		a.error(w, r, badRequest("status", "must be draft, scheduled, running, paused, completed or cancelled"))
		return
	}
	p, err := a.s.Broadcasts.List(r.Context(), user(r).WorkspaceID, status, before, limit)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, listOf(p.Broadcasts, idCursor(p.Next), broadcastOut))
}

func (a *server) createBroadcast(w http.ResponseWriter, r *http.Request) {
	if err := requireManagerOf(r, manageBroadcasts); err != nil {
		a.error(w, r, err)
		return
	}
	var req broadcastRequest
	if err := decodeJSON(w, r, &req, maxBroadcastJSON); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	if req.Name == nil {
		f.Add("name", "is required")
	}
	var in broadcast.Input
	switch {
	case req.ChannelID == nil:
		f.Add("channel_id", "is required")
	case !isID(*req.ChannelID):
		f.Add("channel_id", "must be a channel id")
	default:
		in.ChannelID = *req.ChannelID
	}
	if req.Audience == nil {
		f.Add("audience", "is required: a segment_id, a filter or contact_ids")
	}
	req.apply(f, &in)
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	b, err := a.s.Broadcasts.Create(r.Context(), user(r), in)
	if err != nil {
		a.error(w, r, broadcastErr(err))
		return
	}
	httpx.JSON(w, http.StatusCreated, broadcastOut(b))
}

func (a *server) getBroadcast(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "broadcast_id", "broadcast")
	if err != nil {
		a.error(w, r, err)
		return
	}
	b, err := a.s.Broadcasts.Get(r.Context(), user(r).WorkspaceID, id)
	a.writeBroadcast(w, r, b, err)
}

// updateBroadcast merges the request into the broadcast as it is, and has
// the service check and store it whole.
func (a *server) updateBroadcast(w http.ResponseWriter, r *http.Request) {
	if err := requireManagerOf(r, manageBroadcasts); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "broadcast_id", "broadcast")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req broadcastRequest
	if err := decodeJSON(w, r, &req, maxBroadcastJSON); err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	cur, err := a.s.Broadcasts.Get(r.Context(), ws, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	if req.ChannelID != nil {
		f.Add("channel_id", "a broadcast's channel cannot change; create another broadcast")
	}
	in := broadcast.Input{Name: cur.Name, ChannelID: cur.ChannelID, Template: cur.Template, Text: cur.Text,
		Audience: cur.Audience, ScheduledAt: cur.ScheduledAt, TimeZone: cur.TimeZone}
	req.apply(f, &in)
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	if req.empty() {
		// An empty body changes nothing.
		a.writeBroadcast(w, r, cur, nil)
		return
	}
	b, err := a.s.Broadcasts.Update(r.Context(), ws, id, in)
	a.writeBroadcast(w, r, b, err)
}

func (req broadcastRequest) empty() bool {
	return req.Name == nil && req.ChannelID == nil && req.Template == nil && req.Text == nil && req.Audience == nil &&
		req.ScheduledAt == nil && req.TimeZone == nil
}

func (a *server) deleteBroadcast(w http.ResponseWriter, r *http.Request) {
	if err := requireManagerOf(r, manageBroadcasts); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "broadcast_id", "broadcast")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.s.Broadcasts.Delete(r.Context(), user(r).WorkspaceID, id); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// estimateRequest is the spec's EstimateBroadcastRequest.
type estimateRequest struct {
	ChannelID *string       `json:"channel_id"`
	Audience  *audienceJSON `json:"audience"`
}

func (a *server) estimateBroadcast(w http.ResponseWriter, r *http.Request) {
	var req estimateRequest
	if err := decodeJSON(w, r, &req, maxBroadcastJSON); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	if req.ChannelID == nil || !isID(*req.ChannelID) {
		f.Add("channel_id", "is required: a channel id")
	}
	var aud broadcast.Audience
	if req.Audience == nil {
		f.Add("audience", "is required: a segment_id, a filter or contact_ids")
	} else {
		aud = req.Audience.audience(f)
	}
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	est, err := a.s.Broadcasts.EstimateFor(r.Context(), user(r).WorkspaceID, *req.ChannelID, aud)
	if problem.Is(err, problem.NotFound) {
		err = problem.Field("channel_id", "must be a channel of this workspace")
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, estimateOut(est))
}

func (a *server) writeBroadcast(w http.ResponseWriter, r *http.Request, b broadcast.Broadcast, err error) {
	if err != nil {
		a.error(w, r, broadcastErr(err))
		return
	}
	httpx.JSON(w, http.StatusOK, broadcastOut(b))
}
