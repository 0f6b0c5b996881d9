package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testToken  = "tok-123"
	testKey    = "d360-key"
	testSecret = "app-secret"
	testPhone  = "106540352242922"
)

// fakeClock is a settable clock for deterministic windows and rates.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// hook is a callback server recording every delivery.
type hook struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []hookReq
	got  chan struct{}
}

type hookReq struct {
	sig  string
	body []byte
}

func newHook(t *testing.T) *hook {
	h := &hook{got: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.reqs = append(h.reqs, hookReq{sig: r.Header.Get("X-Hub-Signature-256"), body: b})
		h.mu.Unlock()
		h.got <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) all() []hookReq {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookReq(nil), h.reqs...)
}

type fixture struct {
	emu   *Emulator
	srv   *httptest.Server
	clock *fakeClock
	hook  *hook
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	f := &fixture{clock: &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, hook: newHook(t)}
	cfg := Config{
		AppSecret: testSecret, AccessToken: testToken, APIKey: testKey,
		PhoneNumberID: testPhone, DisplayPhoneNumber: "15550783881", WABAID: "waba-1",
		CallbackURL: f.hook.srv.URL, Clock: f.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	f.emu = New(cfg)
	f.srv = httptest.NewServer(f.emu.Mux())
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { _ = f.emu.Close() })
	return f
}

// do sends a request with a bearer token (graph paths) or API key (others).
func (f *fixture) do(t *testing.T, method, path, auth string, body []byte, contentType string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch {
	case auth == "":
	case isVersion(strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]):
		req.Header.Set("Authorization", "Bearer "+auth)
	default:
		req.Header.Set("D360-API-KEY", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (f *fixture) sendText(t *testing.T, to, text string) (*http.Response, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
		"type": "text", "text": map[string]any{"body": text},
	})
	return f.do(t, "POST", "/v23.0/"+testPhone+"/messages", testToken, body, "application/json")
}

// sameJSON fails unless got and want are equal JSON values.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("body\n got %s\nwant %s", gb, wb)
	}
}

// postJSON sends body as JSON with the fixture's credentials for path.
func (f *fixture) postJSON(t *testing.T, path, auth string, body any) (*http.Response, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return f.do(t, "POST", path, auth, b, "application/json")
}

// errorCode is the Graph error code of a response body (0 when none).
func errorCode(body []byte) int {
	var e struct{ Error struct{ Code int } }
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}

// wait receives from ch or fails after a generous bound, so a broken
// delivery path fails the test instead of hanging it.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
