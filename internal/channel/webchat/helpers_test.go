package webchat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/core/coretest"
	"charla/internal/inbox"
	"charla/internal/store"
)

// shop is the site the test channel allows.
const shop = "https://shop.test"

type env struct {
	t       *testing.T
	s       *core.Services
	url     string
	owner   auth.User
	site    channel.Channel
	blobDir string
}

// newEnv wires real services on d behind an httptest server, with a website
// channel that allows https://shop.test and a 1 MB upload limit.
func newEnv(t *testing.T, d *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	s := coretest.New(t, d, config.Config{MaxUploadMB: 1}, webchat.Type{MaxUploadBytes: 4 << 20}, otherType{})
	r := chi.NewRouter()
	webchat.Routes(r, s)
	srv := httptest.NewUnstartedServer(r)
	s.Config.BaseURL = "http://" + srv.Listener.Addr().String()
	srv.Start()
	t.Cleanup(srv.Close)
	owner, err := s.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, s: s, url: srv.URL, owner: owner, blobDir: s.Config.DataDir + "/attachments"}
	e.site = e.channel(`{"greeting":"Hola","allowed_origins":["https://shop.test"],"color":"#112233"}`)
	return e
}

func (e *env) channel(settings string) channel.Channel {
	e.t.Helper()
	ch, err := e.s.Channels.Create(context.Background(), e.owner.WorkspaceID, webchat.TypeName, "Acme <b>site</b>", json.RawMessage(settings), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// otherType is a second channel type, to show the widget refuses non-website channels.
type otherType struct{}

func (otherType) Name() string                       { return "other" }
func (otherType) Capabilities() channel.Capabilities { return channel.Capabilities{} }
func (otherType) Configure(_ json.RawMessage, sec map[string]string, _ json.RawMessage) (json.RawMessage, map[string]string, error) {
	return json.RawMessage(`{}`), sec, nil
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// errorBody is the httpx error shape.
type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// do sends a request; headers come as name, value pairs.
func (e *env) do(method, path string, body io.Reader, headers ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{res.StatusCode, res.Header, b}
}

// api calls a JSON endpoint of the widget API as the visitor holding token ("" for none).
func (e *env) api(method, ch, path, token string, v any) reply {
	e.t.Helper()
	var body io.Reader
	h := []string{}
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
		h = append(h, "Content-Type", "application/json")
	}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return e.do(method, "/widget/"+ch+path, body, h...)
}

func decode[T any](t *testing.T, r reply, status int) T {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

type session struct {
	Token   string `json:"token"`
	Visitor struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"visitor"`
}

// visit starts a visitor on ch and returns their token.
func (e *env) visit(ch string, body map[string]string) string {
	e.t.Helper()
	if body == nil {
		body = map[string]string{} // as the widget sends a new visitor's session
	}
	s := decode[session](e.t, e.api("POST", ch, "/session", "", body), http.StatusCreated)
	if s.Token == "" {
		e.t.Fatal("no token")
	}
	return s.Token
}

type message struct {
	ID          string       `json:"id"`
	Direction   string       `json:"direction"`
	Body        string       `json:"body"`
	CreatedAt   time.Time    `json:"created_at"`
	Status      string       `json:"status"`
	SenderName  string       `json:"sender_name"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

type page struct {
	Messages []message `json:"messages"`
	HasMore  bool      `json:"has_more"`
}

func (e *env) send(token, body string) message {
	e.t.Helper()
	return decode[message](e.t, e.api("POST", e.site.ID, "/messages", token, map[string]string{"body": body}), http.StatusCreated)
}

func (e *env) history(token, before string) page {
	e.t.Helper()
	q := ""
	if before != "" {
		q = "?before=" + before
	}
	return decode[page](e.t, e.api("GET", e.site.ID, "/messages"+q, token, nil), http.StatusOK)
}

// conversations lists every conversation as agents see it.
func (e *env) conversations() []inbox.Conversation {
	e.t.Helper()
	p, err := e.s.Inbox.List(context.Background(), e.owner, inbox.Filter{Status: "all"})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Conversations
}

// storedFiles counts the files in the blob directory.
func (e *env) storedFiles() int {
	e.t.Helper()
	n := 0
	err := filepath.WalkDir(e.blobDir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}
