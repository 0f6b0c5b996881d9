package templates

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"charla/internal/channel"
	"charla/internal/jobs"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Service keeps each channel's templates in step with its provider.
type Service struct {
	db       *store.DB
	channels *channel.Service
	jobs     *jobs.Jobs
	log      *slog.Logger
}

// New builds the service; call Register before the jobs start.
func New(d *store.DB, channels *channel.Service, j *jobs.Jobs, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: d, channels: channels, jobs: j, log: log}
}

// Filter narrows a template list; empty fields match everything.
type Filter struct {
	// Query matches the name or the body text, ignoring case.
	Query    string
	Status   string
	Category string
	Language string
}

// SyncState is what the last syncs of a channel achieved.
type SyncState struct {
	// SyncedAt is when the last successful sync began (nil: never).
	SyncedAt *time.Time `json:"synced_at"`
	// LastError is why the last attempt failed ("" when it succeeded).
	LastError string `json:"last_error"`
	// AttemptedAt is when the last attempt ended (nil: never).
	AttemptedAt *time.Time `json:"attempted_at"`
}

// List returns a channel's templates by name and language, and its sync state.
func (s *Service) List(ctx context.Context, ws, channelID string, f Filter) ([]Template, SyncState, error) {
	if _, err := s.channels.Get(ctx, ws, channelID); err != nil {
		return nil, SyncState{}, err
	}
	rows, err := s.db.Q.ListTemplates(ctx, db.ListTemplatesParams{WorkspaceID: ws, ChannelID: channelID,
		Status: upper(f.Status), Category: upper(f.Category), Language: strings.TrimSpace(f.Language)})
	if err != nil {
		return nil, SyncState{}, err
	}
	// The text match runs here rather than in SQL: SQLite's LOWER folds
	// ASCII only, and a channel has at most a few thousand templates.
	q := strings.ToLower(strings.TrimSpace(f.Query))
	out := []Template{}
	for _, r := range rows {
		if q == "" || strings.Contains(strings.ToLower(r.Name), q) || strings.Contains(strings.ToLower(r.Body), q) {
			out = append(out, fromRow(r))
		}
	}
	state, err := s.syncState(ctx, channelID)
	return out, state, err
}

func (s *Service) syncState(ctx context.Context, channelID string) (SyncState, error) {
	r, err := s.db.Q.GetTemplateSync(ctx, channelID)
	if store.NotFound(err) == store.ErrNotFound {
		return SyncState{}, nil
	}
	if err != nil {
		return SyncState{}, err
	}
	st := SyncState{LastError: r.LastError, AttemptedAt: &r.UpdatedAt}
	if r.SyncedAt.Valid {
		st.SyncedAt = &r.SyncedAt.Time
	}
	return st, nil
}

// Get returns one template of workspace ws.
func (s *Service) Get(ctx context.Context, ws, id string) (Template, error) {
	r, err := s.db.Q.GetTemplate(ctx, db.GetTemplateParams{WorkspaceID: ws, ID: id})
	if err != nil {
		return Template{}, notFound(err)
	}
	return fromRow(r), nil
}

// Find returns the template called name in language, or, when the channel
// has it in other languages only, in its first approved language (else its
// first language). A template the channel does not have is a 422 on
// "template" that says to sync. Whether it may be sent is Render's to say.
func (s *Service) Find(ctx context.Context, ws, channelID, name, language string) (Template, error) {
	rows, err := s.db.Q.TemplatesNamed(ctx, db.TemplatesNamedParams{WorkspaceID: ws, ChannelID: channelID, Name: name})
	if err != nil {
		return Template{}, err
	}
	if len(rows) == 0 {
		return Template{}, problem.Field("template", unknownTemplate(name, language))
	}
	pick := -1
	for i, r := range rows {
		if r.Language == language && r.Status != StatusDeleted {
			return fromRow(r), nil
		}
		if pick < 0 && r.Status == StatusApproved {
			pick = i
		}
	}
	for i, r := range rows {
		if pick < 0 && r.Status != StatusDeleted {
			pick = i
		}
	}
	if pick < 0 { // every language was deleted: report the one asked for
		pick = 0
		for i, r := range rows {
			if r.Language == language {
				pick = i
			}
		}
	}
	return fromRow(rows[pick]), nil
}

// Languages lists the languages a channel has template name in, oldest
// first (the first is the fallback), leaving out deleted ones.
func (s *Service) Languages(ctx context.Context, ws, channelID, name string) ([]string, error) {
	rows, err := s.db.Q.TemplatesNamed(ctx, db.TemplatesNamedParams{WorkspaceID: ws, ChannelID: channelID, Name: name})
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, r := range rows {
		if r.Status != StatusDeleted {
			out = append(out, r.Language)
		}
	}
	return out, nil
}

func unknownTemplate(name, language string) string {
	if language == "" {
		return "no template " + name + " on this channel; sync templates if it was created elsewhere"
	}
	return "no template " + name + " in " + language + " on this channel; sync templates if it was created elsewhere"
}

// provider returns the channel's type as a template Provider.
func (s *Service) provider(ch channel.Channel) (Provider, error) {
	t, ok := s.channels.Types().Get(ch.Type)
	p, isProvider := t.(Provider)
	if !ok || !isProvider {
		return nil, problem.New(problem.Conflict, "a %s channel has no message templates", ch.Type)
	}
	return p, nil
}

func fromRow(r db.MessageTemplate) Template {
	t := Template{ID: r.ID, ChannelID: r.ChannelID, ProviderID: r.ProviderID, Name: r.Name, Language: r.Language,
		Category: r.Category, PreviousCategory: r.PreviousCategory, Status: r.Status, Quality: r.Quality,
		RejectedReason: r.RejectedReason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SyncedAt: r.SyncedAt}
	// Stored components were decoded once before they were written.
	_ = json.Unmarshal([]byte(r.Components), &t.Components)
	if t.Components == nil {
		t.Components = []Component{}
	}
	return t
}

func notFound(err error) error {
	if store.NotFound(err) == store.ErrNotFound {
		return problem.NotFoundf("template")
	}
	return err
}
