package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"charla/internal/store/storetest"
)

// TestSmoke runs each benchmark tiny, so a change to the routes or services
// they drive breaks a test rather than the next benchmark run.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and seeds databases")
	}
	dbs := []string{"sqlite"}
	if u := os.Getenv(storetest.EnvURL); u != "" {
		dbs = append(dbs, u)
	}
	ctx := context.Background()
	for _, db := range dbs {
		name := "sqlite"
		if db != "sqlite" {
			name = "postgres"
		}
		t.Run(name+"/webchat", func(t *testing.T) {
			var out bytes.Buffer
			err := Webchat(ctx, &out, WebchatOptions{DB: db, Visitors: 20, Duration: 500 * time.Millisecond, Concurrency: 4})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{"agent UI stream", "lost (2xx but not stored)"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
		t.Run(name+"/webchat-whatif", func(t *testing.T) {
			var out bytes.Buffer
			err := Webchat(ctx, &out, WebchatOptions{DB: db, Visitors: 10, Duration: 300 * time.Millisecond, Concurrency: 4,
				Rate: 200, MemoryBus: true})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
		})
		t.Run(name+"/whatsapp-in", func(t *testing.T) {
			var out bytes.Buffer
			err := WhatsAppIn(ctx, &out, WhatsAppInOptions{DB: db, Senders: 20, Duration: 500 * time.Millisecond, Conns: 4})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{"webhook POST (200)", "lost (200 but not stored)", "lost 0)"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
		t.Run(name+"/whatsapp-in-rate", func(t *testing.T) {
			var out bytes.Buffer
			err := WhatsAppIn(ctx, &out, WhatsAppInOptions{DB: db, Senders: 10, Duration: 300 * time.Millisecond, Conns: 4,
				Rate: 200, Warm: true})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
		})
		t.Run(name+"/whatsapp-out", func(t *testing.T) {
			var out bytes.Buffer
			// 1.5 s of sends at 80/s: enough for a 1-second window.
			err := WhatsAppOut(ctx, &out, WhatsAppOutOptions{DB: db, Messages: 120, Rate: 80, Recipients: 6, Agents: 3,
				Statuses: "sent,delivered", ProviderLimit: true})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			// Duplicates and losses fail the run itself; a 429 from the emulator
			// (which enforces the same rate) means charla sent too fast.
			for _, want := range []string{"first → last send", "slowest 1-second window", "0×429, 0 duplicates, 0 lost"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
		t.Run(name+"/inbox", func(t *testing.T) {
			var out bytes.Buffer
			if err := Inbox(ctx, &out, InboxOptions{DB: db, Conversations: 300, Messages: 3000, Iterations: 3}); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "open conversation") {
				t.Errorf("no result table:\n%s", out.String())
			}
		})
	}
}
