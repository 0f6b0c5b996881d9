package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charla/internal/app"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func open(t *testing.T, dbURL string) *core.Services {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", BaseURL: "http://127.0.0.1", DataDir: t.TempDir(), DatabaseURL: dbURL,
		SecretKey: strings.Repeat("k", 32), MaxUploadMB: 1, Storage: "local"}
	s, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close(s) })
	return s
}

func TestOperationsEndpoints(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			s := open(t, storetest.URL(t, dialect))
			srv := httptest.NewServer(app.Handler(s))
			defer srv.Close()
			for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "charla_http_requests_total"} {
				// Hit each twice so the request counter has seen the first.
				get(t, srv.URL+path)
				if body := get(t, srv.URL+path); !strings.Contains(body, want) {
					t.Errorf("%s: %q does not contain %q", path, body, want)
				}
			}
		})
	}
}

// TestTwoInstancesShareRealtime runs two charla servers on one PostgreSQL
// database: what a visitor writes through one reaches an agent connected to
// the other, live.
func TestTwoInstancesShareRealtime(t *testing.T) {
	if len(storetest.Dialects()) < 2 {
		t.Skip(storetest.EnvURL + " is not set: two instances need PostgreSQL")
	}
	url := storetest.URL(t, store.Postgres)
	a, b := open(t, url), open(t, url)
	srvA, srvB := httptest.NewServer(app.Handler(a)), httptest.NewServer(app.Handler(b))
	defer srvA.Close()
	defer srvB.Close()
	ctx := context.Background()
	owner, err := a.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	site, err := a.Channels.Create(ctx, owner.WorkspaceID, "website", "Site", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []struct {
		name           string
		visitor, agent *httptest.Server
		sessions       *core.Services
	}{{"A to B", srvA, srvB, b}, {"B to A", srvB, srvA, a}} {
		t.Run(dir.name, func(t *testing.T) {
			token, _, err := dir.sessions.Auth.Login(ctx, "owner@acme.test", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			stream := openSSE(t, dir.agent.URL+"/events", token)
			convID, msgID := visitorSays(t, a, dir.visitor.URL, site.ID, "hello from "+dir.name)
			want := "event: msg-" + convID
			for {
				line, err := stream.ReadString('\n')
				if err != nil {
					t.Fatalf("stream ended before %s: %v", want, err)
				}
				if strings.TrimSpace(line) == want {
					data, _ := stream.ReadString('\n')
					if strings.TrimSpace(data) == "data: "+msgID {
						return
					}
				}
			}
		})
	}
}

// TestGracefulShutdownFinishesInFlight starts an upload, asks the server to
// stop half-way through it, and expects the upload to finish and be stored.
func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	s := open(t, storetest.URL(t, store.SQLite))
	ctx := context.Background()
	owner, err := s.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	site, err := s.Channels.Create(ctx, owner.WorkspaceID, "website", "Site", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &acceptSignal{Listener: inner, accepted: make(chan struct{}, 16)}
	base := "http://" + ln.Addr().String()
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- app.Serve(serveCtx, s, ln) }()

	visitor := session(t, base, site.ID)
	<-ln.accepted // the session's connection
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest("POST", base+"/widget/"+site.ID+"/messages", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+visitor)
	answered := make(chan *http.Response, 1)
	go func() {
		// A connection of its own, so the server accepts it (not a reused idle one).
		resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		if err != nil {
			t.Errorf("in-flight upload failed: %v", err)
			close(answered)
			return
		}
		answered <- resp
	}()
	_ = mw.WriteField("body", "sent during shutdown")
	part, _ := mw.CreateFormFile("file", "notes.txt")
	if _, err := part.Write([]byte(strings.Repeat("a", 32<<10))); err != nil {
		t.Fatal(err)
	}
	// Stop only once the handler is running: net/http drops a request whose
	// headers it reads after shutdown began. The blob store's temp file for
	// this upload shows the handler is streaming it.
	<-ln.accepted
	waitFor(t, func() bool { return tempFileUnder(filepath.Join(s.Config.DataDir, "attachments")) })
	stop()
	if _, err := part.Write([]byte(strings.Repeat("b", 32<<10))); err != nil {
		t.Fatal(err)
	}
	mw.Close()
	pw.Close()
	resp, ok := <-answered
	if !ok {
		t.FailNow()
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight upload answered %d: %s", resp.StatusCode, body)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	var n int
	if err := s.DB.R.QueryRow("SELECT COUNT(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.body = $1 AND a.size = $2",
		"sent during shutdown", 64<<10).Scan(&n); err != nil || n != 1 {
		t.Fatalf("stored uploads: %d, %v", n, err)
	}
}

// acceptSignal tells the test each time the server accepts a connection.
type acceptSignal struct {
	net.Listener
	accepted chan struct{}
}

func (l *acceptSignal) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted <- struct{}{}
	}
	return c, err
}

// waitFor polls cond until it holds; the deadline only guards against a hang.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func tempFileUnder(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".tmp") {
			found = true
		}
		return nil
	})
	return found
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func session(t *testing.T, base, channelID string) string {
	t.Helper()
	resp, err := http.Post(base+"/widget/"+channelID+"/session", "application/json", strings.NewReader(`{"name":"Vera"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("session: %d %v", resp.StatusCode, err)
	}
	return out.Token
}

func visitorSays(t *testing.T, s *core.Services, base, channelID, text string) (convID, msgID string) {
	t.Helper()
	tok := session(t, base, channelID)
	req, _ := http.NewRequest("POST", base+"/widget/"+channelID+"/messages", strings.NewReader(fmt.Sprintf(`{"body":%q}`, text)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("visitor message: %d %v", resp.StatusCode, err)
	}
	// The widget's message JSON has no conversation id: find it as an agent would.
	var conv string
	if err := s.DB.R.QueryRow("SELECT conversation_id FROM messages WHERE id = $1", m.ID).Scan(&conv); err != nil {
		t.Fatal(err)
	}
	return conv, m.ID
}

// openSSE connects to the agent event stream with a session and returns it
// once the server says it is subscribed.
func openSSE(t *testing.T, url, sessionToken string) *bufio.Reader {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.AddCookie(&http.Cookie{Name: "charla_session", Value: sessionToken})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, ": connected") {
			return r
		}
	}
}
