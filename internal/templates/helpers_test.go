package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"charla/internal/channel"
	"charla/internal/jobs"
	"charla/internal/problem"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/store/db"
)

// fakeWA is a channel type whose provider keeps templates in memory and
// hands them out in pages, as the Cloud API does, counting every call.
type fakeWA struct {
	mu                                       sync.Mutex
	remotes                                  map[string][]Remote // by channel id
	pageSize                                 int
	listErr, createErr, deleteErr, uploadErr error
	// listHook runs once, during the next ListTemplates.
	listHook func()

	calls   map[string]int // "list", "page", "create", "delete", "upload"
	listed  map[string]int // ListTemplates calls by channel id
	created []Submission
	uploads []string // "filename mime bytes"
	deleted []string // "name providerID"
	nextID  int
}

func newFake() *fakeWA {
	return &fakeWA{remotes: map[string][]Remote{}, pageSize: 25, calls: map[string]int{}, listed: map[string]int{}}
}

func (*fakeWA) Name() string                       { return "fake_wa" }
func (*fakeWA) Capabilities() channel.Capabilities { return channel.Capabilities{} }
func (*fakeWA) Configure(_ json.RawMessage, sec map[string]string, _ json.RawMessage) (json.RawMessage, map[string]string, error) {
	return json.RawMessage(`{}`), sec, nil
}

func (f *fakeWA) checkSecrets(secrets map[string]string) error {
	if secrets["token"] != "t0ken" {
		return errors.New("fake: the channel's secrets were not passed")
	}
	return nil
}

func (f *fakeWA) ListTemplates(_ context.Context, ch channel.Channel, secrets map[string]string) ([]Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["list"]++
	f.listed[ch.ID]++
	if err := f.checkSecrets(secrets); err != nil {
		return nil, err
	}
	if f.listErr != nil {
		return nil, f.listErr
	}
	if h := f.listHook; h != nil {
		f.listHook = nil
		h()
	}
	// Follow the pages as a client follows paging.next.
	all := f.remotes[ch.ID]
	var out []Remote
	for start := 0; ; start += f.pageSize {
		f.calls["page"]++
		end := min(start+f.pageSize, len(all))
		out = append(out, all[start:end]...)
		if end == len(all) {
			break
		}
	}
	return out, nil
}

func (f *fakeWA) CreateTemplate(_ context.Context, ch channel.Channel, secrets map[string]string, s Submission) (Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["create"]++
	if err := f.checkSecrets(secrets); err != nil {
		return Remote{}, err
	}
	if f.createErr != nil {
		return Remote{}, f.createErr
	}
	f.created = append(f.created, s)
	f.nextID++
	rm := Remote{ProviderID: fmt.Sprintf("p%d", 9000+f.nextID), Name: s.Name, Language: s.Language,
		Category: upper(s.Category), Status: "PENDING"}
	comps, _ := json.Marshal(s.Components())
	rm.Components = comps
	f.remotes[ch.ID] = append(f.remotes[ch.ID], rm)
	return Remote{ProviderID: rm.ProviderID, Status: rm.Status, Category: rm.Category}, nil
}

func (f *fakeWA) DeleteTemplate(_ context.Context, ch channel.Channel, secrets map[string]string, name, providerID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["delete"]++
	if err := f.checkSecrets(secrets); err != nil {
		return err
	}
	if f.deleteErr != nil {
		return f.deleteErr
	}
	f.deleted = append(f.deleted, name+" "+providerID)
	return nil
}

func (f *fakeWA) UploadSample(_ context.Context, _ channel.Channel, secrets map[string]string, filename, mimeType string, data []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["upload"]++
	if err := f.checkSecrets(secrets); err != nil {
		return "", err
	}
	if f.uploadErr != nil {
		return "", f.uploadErr
	}
	f.uploads = append(f.uploads, fmt.Sprintf("%s %s %d", filename, mimeType, len(data)))
	return "4::handle-" + filename, nil
}

func (f *fakeWA) set(channelID string, rs []Remote) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remotes[channelID] = rs
}

func (f *fakeWA) count(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[call]
}

func (f *fakeWA) listedFor(channelID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listed[channelID]
}

// plainType is a channel type without templates.
type plainType struct{}

func (plainType) Name() string                       { return "plain" }
func (plainType) Capabilities() channel.Capabilities { return channel.Capabilities{} }
func (plainType) Configure(_ json.RawMessage, sec map[string]string, _ json.RawMessage) (json.RawMessage, map[string]string, error) {
	return json.RawMessage(`{}`), sec, nil
}

type env struct {
	d        *store.DB
	channels *channel.Service
	jobs     *jobs.Jobs
	svc      *Service
	fake     *fakeWA
	// ch is a fake_wa channel of workspace w1.
	ch channel.Channel
}

// setup wires the service as core does, on workspaces w1 and w2. every is
// passed to Register; the jobs run once start is called.
func setup(t *testing.T, d *store.DB, every time.Duration) *env {
	t.Helper()
	ctx := context.Background()
	for _, ws := range []string{"w1", "w2"} {
		if err := d.Tx(ctx, func(tx *store.Tx) error {
			return tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: ws, Name: ws, CreatedAt: store.Now()})
		}); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := secret.New(strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{d: d, fake: newFake()}
	e.channels = channel.NewService(d, keys, channel.NewRegistry(e.fake, plainType{}))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if e.jobs, err = jobs.New(ctx, d, jobs.Config{Logger: log}); err != nil {
		t.Fatal(err)
	}
	e.svc = New(d, e.channels, e.jobs, log)
	e.svc.Register(e.jobs, every)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.jobs.Stop(ctx)
	})
	e.ch = e.channel(t, "w1", "fake_wa")
	return e
}

// start runs the jobs (and the periodic sync, once, when registered).
func (e *env) start(t *testing.T) {
	t.Helper()
	if err := e.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (e *env) channel(t *testing.T, ws, typ string) channel.Channel {
	t.Helper()
	ch, err := e.channels.Create(context.Background(), ws, typ, typ+" "+ws, nil, map[string]string{"token": "t0ken"})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func (e *env) sync(t *testing.T) SyncResult {
	t.Helper()
	res, err := e.svc.Sync(context.Background(), "w1", e.ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// list returns the w1 channel's templates by "name/language".
func (e *env) list(t *testing.T, f Filter) map[string]Template {
	t.Helper()
	ts, _, err := e.svc.List(context.Background(), "w1", e.ch.ID, f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Template{}
	for _, tp := range ts {
		out[tp.Name+"/"+tp.Language] = tp
	}
	return out
}

func remote(name, lang, status, body string) Remote {
	comps, _ := json.Marshal([]map[string]any{{"type": "BODY", "text": body}})
	return Remote{ProviderID: "id-" + name + "-" + lang, Name: name, Language: lang, Category: "MARKETING",
		Status: status, Components: comps}
}

// eventually polls cond until it holds, failing after 20 s: jobs run on
// their own schedule.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func wantKind(t *testing.T, err error, k problem.Kind, what string) {
	t.Helper()
	if !problem.Is(err, k) {
		t.Fatalf("%s: got %v, want a problem of kind %d", what, err, k)
	}
}
