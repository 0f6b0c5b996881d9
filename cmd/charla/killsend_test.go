package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/config"
	"charla/internal/contacts"
	"charla/internal/core"
	"charla/internal/emulator"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestKillDuringSendsSendsEachOnce queues messages, lets a real `charla
// serve` process send them to the emulator, kills it with SIGKILL midway,
// starts it again, and counts what the emulator received: every message
// exactly once.
func TestKillDuringSendsSendsEachOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the charla binary")
	}
	bin := filepath.Join(t.TempDir(), "charla")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) { killAndResume(t, bin, dialect) })
	}
}

const killMessages = 600

func killAndResume(t *testing.T, bin string, dialect store.Dialect) {
	ctx := context.Background()
	dataDir := t.TempDir()
	dbURL := storetest.URL(t, dialect)
	key := strings.Repeat("k", 32)
	addr := freeAddr(t)
	base := "http://" + addr

	// Retries at most 500 ms apart, so the statuses of sends made before the
	// kill reach the restarted charla soon after it is up.
	emu := emulator.New(emulator.Config{AppSecret: "s3cret", AccessToken: "tok", AutoStatuses: true, RetryMax: 500 * time.Millisecond})
	t.Cleanup(func() { emu.Close() })
	emuSrv := httptest.NewServer(emu.Mux())
	t.Cleanup(emuSrv.Close)

	// Queue the messages through the real inbox, as agents would, while no
	// server runs: the server then finds them as River jobs.
	d, err := store.Open(ctx, dbURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.New(key)
	blobs, _ := blob.NewLocal(filepath.Join(dataDir, "attachments"))
	waCfg := wa.Config{BaseURL: base}
	s, err := core.New(ctx, config.Config{BaseURL: base}, d, keys, events.NewMemory(), blobs,
		channel.NewRegistry(wa.Cloud(waCfg)), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	owner, err := s.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	c := emu.Config()
	ch, err := s.Channels.Create(ctx, owner.WorkspaceID, wa.CloudType, "WA",
		json.RawMessage(fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q,"rate_limit":150}`, c.PhoneNumberID, c.WABAID, emuSrv.URL)),
		map[string]string{"access_token": "tok", "app_secret": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetCallback(base + "/webhooks/whatsapp/" + ch.ID)
	// The customer writes first, opening the provider's window; the webhook
	// waits in the emulator's retrying outbox until the server is up.
	if _, err := emu.CustomerSends(ctx, "5511987654321", "Ana", emulator.Text("oi")); err != nil {
		t.Fatal(err)
	}
	in, err := s.Inbox.Receive(ctx, inbox.Inbound{Channel: ch, From: contacts.Who{ExternalID: "5511987654321", Phone: "+5511987654321"},
		ProviderMessageID: "wamid.opening", Body: "oi", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range killMessages {
		if _, err := s.Inbox.Send(ctx, owner, in.ConversationID, fmt.Sprintf("message %d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Jobs.Stop(ctx)
	d.Close()

	env := append(os.Environ(), "DATABASE_URL="+dbURL, "CHARLA_DATA_DIR="+dataDir, "CHARLA_SECRET_KEY="+key,
		"CHARLA_ADDR="+addr, "CHARLA_BASE_URL="+base, "CHARLA_LOG_FORMAT=text", "CHARLA_SEND_RECONCILE=15s", "CHARLA_JOBS_RESCUE=5s")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve")
		cmd.Env = env
		logf, _ := os.Create(filepath.Join(dataDir, fmt.Sprintf("serve-%d.log", time.Now().UnixNano())))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dataDir, "serve-*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", filepath.Base(l), tail(string(b), 4000))
			}
		}
	})
	first := start()
	waitFor(t, "a third of the messages sent", 60*time.Second, func() bool { return emu.SentCount() >= killMessages/3 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	atKill := emu.SentCount()
	if atKill >= killMessages {
		t.Fatalf("all %d sent before the kill; nothing to resume", atKill)
	}
	second := start()
	t.Cleanup(func() { _ = second.Process.Signal(syscall.SIGKILL); _ = second.Wait() })
	waitFor(t, "every message sent", 90*time.Second, func() bool { return emu.SentCount() >= killMessages })

	// Let the status webhooks land, then check the database agrees.
	d2, err := store.Open(ctx, dbURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	waitFor(t, "every message recorded as sent", 60*time.Second, func() bool {
		var n int
		_ = d2.R.QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'outgoing' AND provider_message_id IS NOT NULL`).Scan(&n)
		return n == killMessages
	})
	seen := map[string]int{}
	for _, m := range emu.Sent() {
		seen[m.CallbackData]++
	}
	if len(seen) != killMessages || emu.Duplicates() != 0 || emu.SentCount() != killMessages {
		t.Fatalf("emulator received %d messages, %d distinct, %d duplicates; want each of %d exactly once (killed at %d)",
			emu.SentCount(), len(seen), emu.Duplicates(), killMessages, atKill)
	}
	t.Logf("killed after %d of %d; resumed; each sent exactly once", atKill, killMessages)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls cond: the processes under test move on their own clock.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
