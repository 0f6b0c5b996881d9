// Package broadcast sends one message — an approved template with variables
// filled per contact, or text — to an audience of contacts on one channel,
// at the channel's rate, each recipient exactly once.
//
// Starting a broadcast writes its recipients in batches (opted-out contacts
// left out, unreachable ones skipped with the reason). A feeder job turns
// pending recipients into queued messages a couple of seconds ahead of the
// rate: the transaction that writes a recipient's message also marks the
// recipient queued with its id and enqueues the send, so a recipient is
// queued once whatever crashes; the send pipeline then delivers each queued
// message once. Recipients follow their message's status (sent, delivered,
// read, failed) and replies through database triggers, so every path that
// records a status — the pipeline, a provider's webhook — keeps them right.
package broadcast

import (
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/jobs"
	"charla/internal/outbound"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/templates"
)

// Broadcast statuses.
const (
	Draft     = "draft"
	Scheduled = "scheduled"
	Running   = "running"
	Paused    = "paused"
	Completed = "completed"
	Cancelled = "cancelled"
)

// Recipient statuses (and Cancelled). Sent, Delivered, Read and Failed
// mirror the recipient's message.
const (
	Pending   = "pending"
	Queued    = "queued"
	Held      = "held" // written, kept back while the broadcast is paused
	Sent      = "sent"
	Delivered = "delivered"
	Read      = "read"
	Failed    = "failed"
	Skipped   = "skipped"
)

// EventUpdated is the bus event kind announcing a broadcast's new status
// or counts (at most a few a second per broadcast); Event.Broadcast names it.
const EventUpdated = "broadcast.updated"

// Broadcast is one broadcast as the UI and the API show it.
type Broadcast struct {
	ID          string `json:"id"`
	ChannelID   string `json:"channel_id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	PauseReason string `json:"pause_reason"`
	// Template is set for a template broadcast, Text for a text one.
	Template *Template `json:"template"`
	Text     string    `json:"text"`
	Audience Audience  `json:"audience"`
	// ScheduledAt is when a scheduled broadcast starts (UTC); TimeZone is
	// the zone it was chosen in, to show it as chosen.
	ScheduledAt *time.Time `json:"scheduled_at"`
	TimeZone    string     `json:"time_zone"`
	CreatedBy   string     `json:"created_by"`
	Counts      Counts     `json:"counts"`
	// AudienceComplete is false while recipients are still being written;
	// Counts.Total grows until then.
	AudienceComplete bool       `json:"audience_complete"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	StartedAt        *time.Time `json:"started_at"`
	FinishedAt       *time.Time `json:"finished_at"`
}

// Template names an approved template and how to fill its variables; a
// value may hold contact fields such as {{contact.first_name}}, filled for
// each recipient.
type Template struct {
	Name     string           `json:"name"`
	Language string           `json:"language"`
	Values   templates.Values `json:"values"`
}

// Counts are a broadcast's recipients by where they are. Sent includes
// delivered and read ones, Delivered includes read ones.
type Counts struct {
	// Total is how many recipients were written (the whole audience once
	// AudienceComplete).
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Queued    int `json:"queued"`
	Held      int `json:"held"`
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	Cancelled int `json:"cancelled"`
	Replied   int `json:"replied"`
}

// Config tunes the service; zero values take the defaults.
type Config struct {
	// Lead is how much sending time is kept queued ahead of the channel's
	// rate (default 2 s): enough that the pipeline never waits for the
	// feeder, little enough that a pause takes effect at once.
	Lead time.Duration
	// ReplyWindow is how long after a broadcast message a message from the
	// contact counts as a reply to it (default 72 h).
	ReplyWindow time.Duration
	// Tick is how often the feeder tops up the queue (default 100 ms).
	Tick time.Duration
}

// Service runs broadcasts.
type Service struct {
	db        *store.DB
	jobs      *jobs.Jobs
	bus       events.Bus
	inbox     *inbox.Service
	contacts  *contacts.Service
	channels  *channel.Service
	templates *templates.Service
	out       *outbound.Pipeline
	log       *slog.Logger
	cfg       Config
	progress  *throttle
	// countCost is how long counting each broadcast took last (time.Duration by id).
	countCost sync.Map
}

// New builds the service, registers its jobs on j (call before j starts)
// and becomes the send pipeline's gate for bulk messages.
func New(d *store.DB, j *jobs.Jobs, bus events.Bus, in *inbox.Service, people *contacts.Service, channels *channel.Service,
	tmpl *templates.Service, out *outbound.Pipeline, log *slog.Logger, cfg Config) *Service {
	if cfg.Lead <= 0 {
		cfg.Lead = 2 * time.Second
	}
	if cfg.ReplyWindow <= 0 {
		cfg.ReplyWindow = 72 * time.Hour
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 100 * time.Millisecond
	}
	s := &Service{db: d, jobs: j, bus: bus, inbox: in, contacts: people, channels: channels, templates: tmpl,
		out: out, log: log, cfg: cfg, progress: newThrottle()}
	jobs.Register(j, &feedWorker{s: s})
	jobs.Register(j, &startWorker{s: s})
	out.SetBulkGate(s)
	return s
}

// fromRow builds the public shape; counts come from the row's cache.
func fromRow(r db.Broadcast) Broadcast {
	b := Broadcast{ID: r.ID, ChannelID: r.ChannelID, Name: r.Name, Status: r.Status, PauseReason: r.PauseReason,
		Text: r.Body, TimeZone: r.TimeZone, CreatedBy: r.CreatedBy.String, AudienceComplete: r.Materialized,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		ScheduledAt: timePtr(r.ScheduledAt), StartedAt: timePtr(r.StartedAt), FinishedAt: timePtr(r.FinishedAt)}
	if r.TemplateName != "" {
		b.Template = &Template{Name: r.TemplateName, Language: r.TemplateLanguage}
		// Written by this package from a valid Values, so it decodes.
		_ = json.Unmarshal([]byte(r.TemplateValues), &b.Template.Values)
	}
	_ = json.Unmarshal([]byte(r.Audience), &b.Audience)
	if r.Counts != "" {
		_ = json.Unmarshal([]byte(r.Counts), &b.Counts)
	}
	return b
}
