package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/channel/webchat"
	"charla/internal/config"
	"charla/internal/contacts"
	"charla/internal/core"
	"charla/internal/core/coretest"
	"charla/internal/inbox"
	"charla/internal/store"
)

const password = "correct horse battery"

// baseURL is charla's public URL in these tests.
const baseURL = "http://charla.example"

// env is a running UI on real services over a migrated database.
type env struct {
	t       *testing.T
	s       *core.Services
	srv     *httptest.Server
	blobDir string
}

// newEnv wires services as internal/app does, with a 1 MB upload limit.
func newEnv(t *testing.T, d *store.DB) *env {
	t.Helper()
	return newEnvWith(t, d, nil)
}

// newEnvWith is newEnv with a chance to adjust the handler before it serves.
func newEnvWith(t *testing.T, d *store.DB, adjust func(*handler)) *env {
	t.Helper()
	return newEnvTypes(t, d, adjust)
}

// newEnvTypes is newEnvWith serving more channel types than the website.
// WhatsApp's webhooks are served beside the UI, as internal/app does.
func newEnvTypes(t *testing.T, d *store.DB, adjust func(*handler), types ...channel.Type) *env {
	t.Helper()
	// Templates sync when a test says so: no periodic sync at start races it.
	cfg := config.Config{BaseURL: baseURL, MaxUploadMB: 1, Storage: "local", TemplateSyncEvery: -1}
	s := coretest.New(t, d, cfg, append([]channel.Type{webchat.Type{MaxUploadBytes: cfg.MaxUploadMB << 20}}, types...)...)
	h := newHandler(s)
	if adjust != nil {
		adjust(h)
	}
	r := chi.NewRouter()
	(&wa.Webhooks{Channels: s.Channels, Inbox: s.Inbox, Templates: s.Templates, Log: s.Log}).Routes(r)
	h.routes(r)
	srv := httptest.NewServer(r)
	// Close the bus first: it ends open event streams, which Close waits for.
	t.Cleanup(func() { _ = s.Bus.Close(); srv.Close() })
	return &env{t: t, s: s, srv: srv, blobDir: s.Config.DataDir + "/attachments"}
}

// browser is a client with its own cookies that doesn't follow redirects,
// so tests see each answer.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is an answer with its body read.
type page struct {
	*http.Response
	body string
}

func (p page) has(s string) bool { return strings.Contains(p.body, s) }

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatalf("read %s: %v", req.URL.Path, err)
	}
	return page{res, string(body)}
}

func (b *browser) request(method, path string, body io.Reader, headers ...string) *http.Request {
	b.e.t.Helper()
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// get fetches path; headers are name, value pairs.
func (b *browser) get(path string, headers ...string) page {
	b.e.t.Helper()
	return b.do(b.request(http.MethodGet, path, nil, headers...))
}

// htmx fetches path as htmx would, swapping into target.
func (b *browser) htmx(method, path, target string, form url.Values) page {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := b.request(method, path, body, "HX-Request", "true", "HX-Target", target,
		"HX-Current-URL", b.e.srv.URL+"/")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.do(req)
}

// post submits a form as a same-origin browser does.
func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.e.t.Helper()
	req := b.request(http.MethodPost, path, strings.NewReader(form.Encode()), headers...)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if req.Header.Get("Sec-Fetch-Site") == "" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return b.do(req)
}

// file is one file part of a multipart form.
type file struct {
	name, contentType string
	body              []byte
}

// multipartBody encodes fields and files as the composer sends them.
func multipartBody(t *testing.T, fields map[string]string, files ...file) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.contentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f.body)
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// send posts the composer of a conversation.
func (b *browser) send(convID, kind, text string, files ...file) page {
	b.e.t.Helper()
	body, ct := multipartBody(b.e.t, map[string]string{"kind": kind, "body": text}, files...)
	req := b.request(http.MethodPost, "/conversations/"+convID+"/messages", body,
		"Content-Type", ct, "HX-Request", "true", "HX-Target", "composer", "Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// login signs in through the form and fails the test unless it works.
func (b *browser) login(email string) {
	b.e.t.Helper()
	p := b.post("/login", url.Values{"email": {email}, "password": {password}})
	if p.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: %d %s", email, p.StatusCode, p.body)
	}
}

// workspace creates a workspace and its owner directly through the service.
func (e *env) workspace(name, email string) auth.User {
	e.t.Helper()
	u, err := e.s.Auth.Setup(context.Background(), name, email, "", password)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// website creates a website channel in u's workspace.
func (e *env) website(u auth.User) channel.Channel {
	e.t.Helper()
	c, err := e.s.Channels.Create(context.Background(), u.WorkspaceID, webchat.TypeName, "Acme site", json.RawMessage(`{}`), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// incoming has a visitor write on ch, as the widget would.
func (e *env) incoming(ch channel.Channel, visitor, name, text string, files ...inbox.StoredFile) inbox.Received {
	e.t.Helper()
	got, err := e.s.Inbox.Receive(context.Background(), inbox.Inbound{
		Channel: ch, From: contacts.Who{ExternalID: visitor, Name: name}, Body: text, Files: files,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// stored puts a file in the blob store, ready to arrive with a message.
func (e *env) stored(ws, name, contentType string, body []byte) inbox.StoredFile {
	e.t.Helper()
	f, err := e.s.Inbox.StoreUpload(context.Background(), ws, inbox.Upload{
		Filename: name, ContentType: contentType, Size: int64(len(body)), Body: bytes.NewReader(body),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// blobCount counts the files in the attachment store.
func (e *env) blobCount() int {
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

func (e *env) messages(ws, convID string) []inbox.Message {
	e.t.Helper()
	page, err := e.s.Inbox.Messages(context.Background(), ws, convID, "", 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Messages
}

var attachmentLink = regexp.MustCompile(`/attachments/([0-9a-f-]+)`)

func wantStatus(t *testing.T, p page, status int) {
	t.Helper()
	if p.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", p.Request.Method, p.Request.URL.Path, p.StatusCode, status, p.body)
	}
}

func wantRedirect(t *testing.T, p page, location string) {
	t.Helper()
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != location {
		t.Fatalf("%s %s: %d to %q, want 303 to %q", p.Request.Method, p.Request.URL.Path, p.StatusCode, p.Header.Get("Location"), location)
	}
}
