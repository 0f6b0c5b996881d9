package whatsapp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"charla/internal/channel/whatsapp"
	"charla/internal/emulator"
	"charla/internal/problem"
)

// These tests drive the template, profile and upload calls against the
// emulator over HTTP. They live in package whatsapp_test because the
// emulator itself imports whatsapp.

const (
	emuToken = "emu-access-token"
	emuKey   = "emu-api-key"
	emuApp   = "987654321012345"
)

// emuEnv is an emulator behind an HTTP server that records the method and
// path of every request it serves.
type emuEnv struct {
	emu *emulator.Emulator
	url string

	mu   sync.Mutex
	hits []string
}

func newEmuEnv(t *testing.T, mod func(*emulator.Config)) *emuEnv {
	t.Helper()
	cfg := emulator.Config{AccessToken: emuToken, APIKey: emuKey, AppSecret: "emu-secret"}
	if mod != nil {
		mod(&cfg)
	}
	e := &emuEnv{emu: emulator.New(cfg)}
	t.Cleanup(func() { _ = e.emu.Close() })
	h := e.emu.Mux()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.hits = append(e.hits, r.Method+" "+r.URL.Path)
		e.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// count is how many requests had a "METHOD path" starting with prefix.
func (e *emuEnv) count(prefix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, h := range e.hits {
		if strings.HasPrefix(h, prefix) {
			n++
		}
	}
	return n
}

func (e *emuEnv) cloud() *whatsapp.Client {
	c := e.emu.Config()
	return whatsapp.NewClient(whatsapp.ClientConfig{Provider: whatsapp.CloudAPI, BaseURL: e.url,
		PhoneNumberID: c.PhoneNumberID, WABAID: c.WABAID, AppID: emuApp, Token: emuToken})
}

func (e *emuEnv) d360() *whatsapp.Client {
	return whatsapp.NewClient(whatsapp.ClientConfig{Provider: whatsapp.Dialog360, BaseURL: e.url + "/360dialog", APIKey: emuKey})
}

// provider is one way of reaching the emulator, with the request prefixes
// its calls use.
type provider struct {
	name      string
	client    func(*emuEnv) *whatsapp.Client
	listCall  func(*emuEnv) string
	uploadAt  func(*emuEnv) string
	uploadDat string
}

var providers = []provider{
	{
		name:      "cloud api",
		client:    (*emuEnv).cloud,
		listCall:  func(e *emuEnv) string { return "GET /v23.0/" + e.emu.Config().WABAID + "/message_templates" },
		uploadAt:  func(*emuEnv) string { return "POST /v23.0/" + emuApp + "/uploads" },
		uploadDat: "POST /v23.0/upload:",
	},
	{
		name:      "360dialog",
		client:    (*emuEnv).d360,
		listCall:  func(*emuEnv) string { return "GET /360dialog/v1/configs/templates" },
		uploadAt:  func(*emuEnv) string { return "POST /360dialog/uploads" },
		uploadDat: "POST /360dialog/upload:",
	},
}

// wantFields fails unless err is a 422 naming exactly fields.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	if !problem.Is(err, problem.Invalid) {
		t.Fatalf("err = %v, want a validation problem", err)
	}
	got := problem.As(err).Fields
	if len(got) != len(fields) {
		t.Fatalf("fields %v, want %v", got, fields)
	}
	for _, f := range fields {
		if got[f] == "" {
			t.Fatalf("fields %v do not name %s", got, f)
		}
	}
}

func TestResumableUploadNeedsAppIDOnCloudAPI(t *testing.T) {
	e := newEmuEnv(t, nil)
	c := e.emu.Config()
	client := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: e.url, PhoneNumberID: c.PhoneNumberID, Token: emuToken})
	_, err := client.ResumableUpload(context.Background(), "logo.png", "image/png", []byte("\x89PNG"))
	wantFields(t, err, "app_id")
	if msg := problem.As(err).Fields["app_id"]; !strings.Contains(msg, "Meta app id") {
		t.Fatalf("message %q does not say what to set", msg)
	}
	if n := e.count(""); n != 0 {
		t.Fatalf("%d requests were made", n)
	}
}

func TestTemplateCallsNeedWABAOnCloudAPI(t *testing.T) {
	e := newEmuEnv(t, nil)
	c := e.emu.Config()
	client := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: e.url, PhoneNumberID: c.PhoneNumberID, Token: emuToken})
	ctx := context.Background()
	_, err := client.ListTemplates(ctx)
	wantFields(t, err, "waba_id")
	_, err = client.CreateTemplate(ctx, whatsapp.NewTemplate{Name: "a", Language: "en_US", Category: "UTILITY", Components: []byte(`[{"type":"BODY","text":"x"}]`)})
	wantFields(t, err, "waba_id")
	wantFields(t, client.DeleteTemplate(ctx, "a", ""), "waba_id")
	if n := e.count(""); n != 0 {
		t.Fatalf("%d requests were made", n)
	}
}
