package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charla/internal/store/storetest"
)

// TestBroadcastSmoke runs `charla bench broadcast` tiny on each database,
// so a change to the services it drives, or to `charla serve`, breaks a
// test rather than the next benchmark run.
func TestBroadcastSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds charla and runs charla serve")
	}
	bin := filepath.Join(t.TempDir(), "charla")
	if err := buildCharla(context.Background(), bin); err != nil {
		t.Fatal(err)
	}
	dbs := []string{"sqlite"}
	if u := os.Getenv(storetest.EnvURL); u != "" {
		dbs = append(dbs, u)
	}
	for _, db := range dbs {
		t.Run(strings.SplitN(db, ":", 2)[0], func(t *testing.T) {
			var out bytes.Buffer
			err := Broadcast(context.Background(), &out, BroadcastOptions{DB: db, Recipients: 150, Rate: 100,
				Statuses: "sent,delivered", ProviderLimit: true, Binary: bin})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			// Duplicates and losses fail the run itself; a 429 means charla sent too fast.
			for _, want := range []string{"first → last send", "0 duplicates, 0 lost, 0×429", "charla serve peak RSS"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
