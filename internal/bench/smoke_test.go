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
