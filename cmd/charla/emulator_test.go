package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"charla/internal/channel/whatsapp"
)

// lineWriter collects output and signals each write, so a test can wait
// for a line without sleeping.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return w.buf.Write(p)
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestEmulatorCommand(t *testing.T) {
	deliveries := make(chan []byte, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if !whatsapp.VerifySignature(b, r.Header.Get(whatsapp.SignatureHeader), "s3cret") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		deliveries <- b
	}))
	defer hook.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{wrote: make(chan struct{}, 1)}
	c := root()
	c.SetOut(out)
	c.SetErr(io.Discard)
	c.SetArgs([]string{"emulator", "--addr", "127.0.0.1:0", "--callback", hook.URL, "--app-secret", "s3cret",
		"--access-token", "tok", "--api-key", "key", "--phone-number-id", "123", "--display-number", "15550001111",
		"--rate", "0", "--template-delay", "1h"})
	done := make(chan error, 1)
	go func() { done <- c.ExecuteContext(ctx) }()

	baseRe := regexp.MustCompile(`Graph base URL\s+(http://\S+)`)
	var base string
	for base == "" {
		select {
		case <-out.wrote:
			if m := baseRe.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Phone simulator") {
				base = m[1]
			}
		case err := <-done:
			t.Fatalf("emulator exited: %v\n%s", err, out.String())
		case <-time.After(10 * time.Second):
			t.Fatalf("no settings printed:\n%s", out.String())
		}
	}
	printed := out.String()
	for _, want := range []string{"Phone number ID  123", "Access token     tok", "App secret       s3cret",
		"API key          key", base + "/360dialog", base + "/phone", "WABA ID"} {
		if !strings.Contains(printed, want) {
			t.Errorf("settings lack %q:\n%s", want, printed)
		}
	}

	post := func(path, auth, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	wait := func(what string) whatsapp.Batch {
		t.Helper()
		select {
		case b := <-deliveries:
			batch, err := whatsapp.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			return batch
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s delivered", what)
			return whatsapp.Batch{}
		}
	}

	resp, err := http.Get(base + "/phone")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("phone page: %v %v", err, resp)
	}
	resp.Body.Close()

	// The customer writes from the phone page; charla answers through Graph;
	// statuses stop at delivered (the page sends read).
	if r := post("/phone/api/send", "", `{"wa_id":"16505551234","name":"Ana","kind":"text","text":"hi"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("phone send: %d", r.StatusCode)
	}
	if b := wait("inbound message"); len(b.Messages) != 1 || b.Messages[0].Text != "hi" || b.Messages[0].PhoneNumberID != "123" {
		t.Fatalf("%+v", b)
	}
	if r := post("/v23.0/123/messages", "tok", `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"hello"}}`); r.StatusCode != http.StatusOK {
		t.Fatalf("graph send: %d", r.StatusCode)
	}
	for _, want := range []string{"sent", "delivered"} {
		if b := wait(want + " status"); len(b.Statuses) != 1 || b.Statuses[0].Status != want {
			t.Fatalf("%+v", b)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("emulator returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("emulator did not stop")
	}
}
