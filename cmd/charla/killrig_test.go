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

	"charla/internal/auth"
	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/emulator"
	"charla/internal/events"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// buildCharla builds this command once per test binary run's test.
func buildCharla(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the charla binary")
	}
	bin := filepath.Join(t.TempDir(), "charla")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// killRig is a deployment for kill-and-resume tests: a database with a
// workspace and a WhatsApp Cloud channel pointing at an in-process
// emulator, and the environment to run `charla serve` on them. Work is
// set up through the real services (s) while no server runs; detach hands
// the database over to the server processes.
type killRig struct {
	t       *testing.T
	ctx     context.Context
	bin     string
	dataDir string
	dbURL   string
	base    string
	env     []string
	emu     *emulator.Emulator
	d       *store.DB
	s       *core.Services
	owner   auth.User
	ch      channel.Channel
}

func newKillRig(t *testing.T, bin string, dialect store.Dialect, emuCfg emulator.Config) *killRig {
	ctx := context.Background()
	r := &killRig{t: t, ctx: ctx, bin: bin, dataDir: t.TempDir(), dbURL: storetest.URL(t, dialect)}
	key := strings.Repeat("k", 32)
	addr := freeAddr(t)
	r.base = "http://" + addr
	r.env = append(os.Environ(), "DATABASE_URL="+r.dbURL, "CHARLA_DATA_DIR="+r.dataDir, "CHARLA_SECRET_KEY="+key,
		"CHARLA_ADDR="+addr, "CHARLA_BASE_URL="+r.base, "CHARLA_LOG_FORMAT=text", "CHARLA_JOBS_RESCUE=5s")

	emuCfg.AppSecret, emuCfg.AccessToken = "s3cret", "tok"
	r.emu = emulator.New(emuCfg)
	t.Cleanup(func() { r.emu.Close() })
	emuSrv := httptest.NewServer(r.emu.Mux())
	t.Cleanup(emuSrv.Close)

	d, err := store.Open(ctx, r.dbURL, r.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r.d = d
	keys, _ := secret.New(key)
	blobs, _ := blob.NewLocal(filepath.Join(r.dataDir, "attachments"))
	r.s, err = core.New(ctx, config.Config{BaseURL: r.base}, d, keys, events.NewMemory(), blobs,
		channel.NewRegistry(wa.Cloud(wa.Config{BaseURL: r.base})), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r.owner, err = r.s.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	c := r.emu.Config()
	r.ch, err = r.s.Channels.Create(ctx, r.owner.WorkspaceID, wa.CloudType, "WA",
		json.RawMessage(fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q,"rate_limit":150}`, c.PhoneNumberID, c.WABAID, emuSrv.URL)),
		map[string]string{"access_token": "tok", "app_secret": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	r.emu.SetCallback(r.base + "/webhooks/whatsapp/" + r.ch.ID)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(r.dataDir, "serve-*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", filepath.Base(l), tail(string(b), 4000))
			}
		}
	})
	return r
}

// detach stops the in-process services so only server processes work.
func (r *killRig) detach() {
	_ = r.s.Jobs.Stop(r.ctx)
	r.d.Close()
}

// serve starts `charla serve` with extra environment, logging to the data dir.
func (r *killRig) serve(extra ...string) *exec.Cmd {
	cmd := exec.Command(r.bin, "serve")
	cmd.Env = append(append([]string{}, r.env...), extra...)
	logf, _ := os.Create(filepath.Join(r.dataDir, fmt.Sprintf("serve-%d.log", time.Now().UnixNano())))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	return cmd
}

// killMidway runs a server until a third of total messages reached the
// emulator, kills it with SIGKILL, starts another and waits until all
// have. It returns how many had been sent at the kill.
func (r *killRig) killMidway(total int, limit time.Duration, extra ...string) int {
	t := r.t
	first := r.serve(extra...)
	waitFor(t, "a third sent", limit, func() bool { return r.emu.SentCount() >= total/3 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	atKill := r.emu.SentCount()
	if atKill >= total {
		t.Fatalf("all %d sent before the kill; nothing to resume", atKill)
	}
	second := r.serve(extra...)
	t.Cleanup(func() { _ = second.Process.Signal(syscall.SIGKILL); _ = second.Wait() })
	waitFor(t, "every message sent", 2*limit, func() bool { return r.emu.SentCount() >= total })
	return atKill
}

// reopen is a fresh connection for checking what the servers wrote.
func (r *killRig) reopen() *store.DB {
	d, err := store.Open(r.ctx, r.dbURL, r.dataDir)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { d.Close() })
	return d
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
