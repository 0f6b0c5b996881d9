//go:build unix

package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/contacts"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// BenchmarkReceive is the inbound steady state without HTTP: 64 goroutines
// receive text messages from 1,000 known senders, unique provider ids, on
// SQLite, so the group writer always has a full queue. cpu-µs/op is the
// process's CPU time per message, which on a shared machine varies far less
// than ns/op (docs/benchmarks.md §4).
func BenchmarkReceive(b *testing.B) {
	ctx := context.Background()
	d := storetest.Open(b, store.SQLite)
	keys, err := secret.New(strings.Repeat("k", 32))
	if err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	bus := events.NewMemory()
	defer bus.Close()
	chs := channel.NewService(d, keys, channel.NewRegistry(webchat.Type{MaxUploadBytes: 1 << 20}))
	owner, err := auth.New(d).Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	site, err := chs.Create(ctx, owner.WorkspaceID, "website", "Acme site", json.RawMessage(`{}`), nil)
	if err != nil {
		b.Fatal(err)
	}
	in := inbox.New(d, bus, blobs, contacts.New(d), chs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const senders = 1000
	msg := func(n int64) inbox.Inbound {
		s := n % senders
		return inbox.Inbound{Channel: site, From: contacts.Who{ExternalID: fmt.Sprint("sender-", s), Name: fmt.Sprint("Customer ", s)},
			ProviderMessageID: fmt.Sprint("wamid.", n), Body: "Hello, is my order on its way?", At: time.Now()}
	}
	for n := range int64(senders) {
		if _, err := in.Receive(ctx, msg(n)); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	next.Store(senders)
	cpu0 := cpuTime()
	b.ResetTimer()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := in.Receive(ctx, msg(next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
