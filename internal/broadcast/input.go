package broadcast

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/templates"

	_ "time/tzdata" // schedules name IANA zones, on hosts without a zone database too
)

// Input is a broadcast as the composer writes it.
type Input struct {
	Name      string
	ChannelID string
	// Template or Text: exactly one. Channels where a business may only
	// start conversations with a template (WhatsApp) take a template.
	Template *Template
	Text     string
	Audience Audience
	// ScheduledAt, when set, is when Start sends it; it must be in the
	// future. TimeZone (IANA, default UTC) is the zone it was chosen in;
	// LocalTime reads a wall-clock time in a zone.
	ScheduledAt *time.Time
	TimeZone    string
}

const maxName = 100

// Create saves a draft broadcast. Whether its template is approved and its
// audience fits the number's limit is checked when it starts.
func (s *Service) Create(ctx context.Context, user auth.User, in Input) (Broadcast, error) {
	ws := user.WorkspaceID
	row, err := s.validate(ctx, ws, in, true)
	if err != nil {
		return Broadcast{}, err
	}
	id, _ := uuid.NewV7()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.CreateBroadcast(ctx, db.CreateBroadcastParams{ID: id.String(), WorkspaceID: ws, ChannelID: row.ChannelID,
			Name: row.Name, TemplateName: row.TemplateName, TemplateLanguage: row.TemplateLanguage,
			TemplateValues: row.TemplateValues, Body: row.Body, Audience: row.Audience, ScheduledAt: row.ScheduledAt,
			TimeZone: row.TimeZone, CreatedBy: nullString(user.ID), CreatedAt: store.Now()})
	})
	if err != nil {
		return Broadcast{}, err
	}
	return s.Get(ctx, ws, id.String())
}

// Update replaces a draft or scheduled broadcast's content, audience and
// schedule (the channel stays). A scheduled one is rescheduled.
func (s *Service) Update(ctx context.Context, ws, id string, in Input) (Broadcast, error) {
	cur, err := s.row(ctx, ws, id)
	if err != nil {
		return Broadcast{}, err
	}
	if cur.Status != Draft && cur.Status != Scheduled {
		return Broadcast{}, problem.New(problem.Conflict, "a %s broadcast can no longer be changed", cur.Status)
	}
	in.ChannelID = cur.ChannelID
	// Only a new or changed time must be in the future: renaming a draft
	// whose old time has passed is fine.
	moved := in.ScheduledAt != nil && (!cur.ScheduledAt.Valid || !in.ScheduledAt.UTC().Truncate(time.Microsecond).Equal(cur.ScheduledAt.Time.UTC()))
	row, err := s.validate(ctx, ws, in, moved)
	if err != nil {
		return Broadcast{}, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.UpdateBroadcastDraft(ctx, db.UpdateBroadcastDraftParams{WorkspaceID: ws, ID: id, Name: row.Name,
			TemplateName: row.TemplateName, TemplateLanguage: row.TemplateLanguage, TemplateValues: row.TemplateValues,
			Body: row.Body, Audience: row.Audience, ScheduledAt: row.ScheduledAt, TimeZone: row.TimeZone,
			UpdatedAt: store.Now()})
		if err != nil {
			return err
		}
		if n == 0 {
			return problem.New(problem.Conflict, "the broadcast started meanwhile; it can no longer be changed")
		}
		if cur.Status != Scheduled {
			return nil
		}
		if !row.ScheduledAt.Valid {
			// No time any more: back to a draft; the pending start finds it so and does nothing.
			_, err := tx.Q.SetBroadcastStatus(ctx, db.SetBroadcastStatusParams{ID: id, FromStatus: Scheduled, Status: Draft,
				UpdatedAt: store.Now()})
			return err
		}
		return s.enqueueStart(ctx, tx, id, row.ScheduledAt.Time)
	})
	if err != nil {
		return Broadcast{}, err
	}
	return s.Get(ctx, ws, id)
}

// Delete removes a broadcast that is not sending (running or paused ones
// are cancelled first), with its recipients; messages already sent stay
// in their conversations.
func (s *Service) Delete(ctx context.Context, ws, id string) error {
	cur, err := s.row(ctx, ws, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.DeleteBroadcast(ctx, db.DeleteBroadcastParams{WorkspaceID: ws, ID: id})
		if err == nil && n == 0 {
			return problem.New(problem.Conflict, "a %s broadcast cannot be deleted; cancel it first", cur.Status)
		}
		return err
	})
}

// validate checks in and returns the row to store. future asks that a
// schedule be in the future (a new or changed schedule).
func (s *Service) validate(ctx context.Context, ws string, in Input, future bool) (db.Broadcast, error) {
	f := problem.Fields{}
	row := db.Broadcast{Name: strings.TrimSpace(in.Name), ChannelID: in.ChannelID, TimeZone: strings.TrimSpace(in.TimeZone)}
	if row.Name == "" || utf8.RuneCountInString(row.Name) > maxName {
		f.Add("name", "must be 1 to 100 characters")
	}
	var caps *channel.Capabilities
	if ch, err := s.channels.Get(ctx, ws, in.ChannelID); err != nil {
		if !problem.Is(err, problem.NotFound) {
			return row, err
		}
		f.Add("channel_id", "must be a channel of this workspace")
	} else if t, ok := s.channels.Types().Get(ch.Type); ok {
		c := t.Capabilities()
		caps = &c
	}
	s.validateContent(&row, in, caps, f)
	a, err := s.validateAudience(ctx, ws, in.Audience, f)
	if err != nil {
		return row, err
	}
	b, _ := json.Marshal(a)
	row.Audience = string(b)
	if row.TimeZone == "" {
		row.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(row.TimeZone); err != nil {
		f.Add("time_zone", "must be an IANA time zone such as Europe/Madrid")
	}
	if in.ScheduledAt != nil {
		at := in.ScheduledAt.UTC().Truncate(time.Microsecond)
		if future && !at.After(store.Now()) {
			f.Add("scheduled_at", "must be in the future")
		}
		row.ScheduledAt = nullTime(at)
	}
	return row, f.Err()
}

// validateContent checks the template or text against what the channel
// sends (caps nil: the channel is unknown, already reported).
func (s *Service) validateContent(row *db.Broadcast, in Input, caps *channel.Capabilities, f problem.Fields) {
	text := strings.TrimSpace(in.Text)
	switch {
	case in.Template != nil && text != "":
		f.Add("text", "give a template or a text, not both")
	case in.Template != nil:
		t := *in.Template
		row.TemplateName, row.TemplateLanguage = strings.TrimSpace(t.Name), strings.TrimSpace(t.Language)
		if row.TemplateName == "" {
			f.Add("template.name", "is required")
		}
		if caps != nil && !slices.Contains(caps.Kinds, content.KindTemplate) {
			f.Add("template", "this channel has no message templates; send a text")
		}
		if strings.Contains(strings.ReplaceAll(valuesText(t.Values), " ", ""), "{{agent.") {
			f.Add("template.values", "a broadcast has no agent: use contact fields or fixed text")
		}
		b, _ := json.Marshal(t.Values)
		row.TemplateValues = string(b)
	case text == "":
		f.Add("text", "write a text or choose a template")
	case utf8.RuneCountInString(text) > inbox.MaxBody:
		f.Add("text", "must be at most 4096 characters")
	case caps != nil && caps.ReplyWindow > 0:
		f.Add("text", "on this channel a business may start conversations only with an approved template; choose one")
	default:
		row.Body = text
	}
}

func valuesText(v templates.Values) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// LocalTime reads a wall-clock time ("2026-12-01T09:30") in an IANA zone
// and returns it in UTC, for scheduling in the zone a user chose.
func LocalTime(value, zone string) (time.Time, error) {
	loc, err := time.LoadLocation(strings.TrimSpace(zone))
	if err != nil || zone == "" {
		return time.Time{}, problem.Field("time_zone", "must be an IANA time zone such as Europe/Madrid")
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(value), loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, problem.Field("scheduled_at", "must be a date and time such as 2026-12-01T09:30")
}

func (s *Service) row(ctx context.Context, ws, id string) (db.Broadcast, error) {
	r, err := s.db.Q.GetBroadcast(ctx, db.GetBroadcastParams{WorkspaceID: ws, ID: id})
	if store.NotFound(err) == store.ErrNotFound {
		return r, problem.NotFoundf("broadcast")
	}
	return r, err
}
