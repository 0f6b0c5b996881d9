package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charla/internal/app"
	"charla/internal/broadcast"
	"charla/internal/contacts"
	"charla/internal/core"
	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/templates"
)

// BroadcastOptions configure `charla bench broadcast`.
type BroadcastOptions struct {
	DB         string  // "sqlite" or a postgres:// URL
	Recipients int     // contacts the broadcast goes to
	Rate       float64 // the channel's rate_limit, messages/s
	// Statuses the emulator reports for each accepted message (see WhatsAppOutOptions).
	Statuses      string
	ProviderLimit bool
	Binary        string // charla binary ("" = go build ./cmd/charla)
	// ServerCPUProfile is where `charla serve` writes its CPU profile ("" = none).
	ServerCPUProfile string
	Keep             bool
}

// benchTemplate is the approved template the broadcast sends, its one
// variable filled with each contact's first name.
var benchTemplate = emulator.Template{Name: "bench_offer", Language: "en_US", Category: "MARKETING", Status: "APPROVED",
	Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, our winter sale starts today: 20% off everything.","example":{"body_text":[["Ana"]]}}]`)}

// Broadcast seeds contacts and a started template broadcast to all of them,
// then lets a real `charla serve` process (a child, so its memory and CPU
// are its own) send it to the emulator in this process, and measures what
// the provider saw: the achieved rate against the channel's rate_limit,
// each send's offset from an even schedule (jitter), duplicates, losses,
// and the server's peak memory and CPU.
func Broadcast(ctx context.Context, w io.Writer, o BroadcastOptions) error {
	if o.Recipients < 1 || o.Rate <= 0 || o.Rate > 1000 {
		return errors.New("--recipients must be positive, --rate between 0 and 1000")
	}
	t, err := newTarget(ctx, o.DB, o.Keep)
	if err != nil {
		return err
	}
	defer t.Close()
	printHeader(w, "broadcast", t.Label)
	bin, cleanup, err := charlaBinary(ctx, w, o.Binary)
	if err != nil {
		return err
	}
	defer cleanup()

	cfg := emulator.Config{AppSecret: benchAppSecret, AccessToken: benchAccessToken, PhoneNumberID: benchPhoneNumberID,
		WABAID: benchWABAID, DisplayPhoneNumber: benchDisplayNumber, AutoStatuses: true, DiscardBodies: true,
		Statuses: splitList(o.Statuses), Templates: []emulator.Template{benchTemplate}}
	if o.ProviderLimit {
		cfg.Rate = o.Rate
	}
	emu := emulator.New(cfg)
	defer emu.Close()
	counts := &statusCounter{codes: map[int]int{}}
	emuLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	emuSrv := &http.Server{Handler: counts.wrap(emu.Mux()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = emuSrv.Serve(emuLn) }()
	defer emuSrv.Close()
	addr, err := freeAddr()
	if err != nil {
		return err
	}

	seedStart := time.Now()
	b, err := prepareBroadcast(ctx, t, emu, "http://"+emuLn.Addr().String(), "http://"+addr, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "channel: whatsapp_cloud, rate_limit %g msgs/s; emulator over HTTP (its own limit: %v), status webhooks per message: %s\n",
		o.Rate, o.ProviderLimit, orNone(o.Statuses))
	fmt.Fprintf(w, "seeded %d contacts and started the broadcast (no server running) in %s; now `charla serve` sends it\n\n",
		o.Recipients, time.Since(seedStart).Round(time.Millisecond))

	d, err := store.Open(ctx, t.URL, t.DataDir)
	if err != nil {
		return err
	}
	defer d.Close()
	srv, err := startServe(bin, t, addr, o.ServerCPUProfile)
	if err != nil {
		return err
	}
	run, runErr := followBroadcast(ctx, d, emu, srv, b.ID, o)
	// The status webhooks trail the sends; give them a while before counting.
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	statusErr := emu.WaitDelivered(sctx)
	cancel()
	srv.stop()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	final, err := finalCounts(ctx, d, b.ID)
	if err != nil {
		return err
	}
	ids, err := recipientMessages(ctx, d, b.ID)
	if err != nil {
		return err
	}
	sent := emu.Sent()
	res := analyzeSends(sent, ids, o.Rate)
	res.codes = counts.snapshot()
	run.jitter = detrended(sendTimes(sent, ids))
	run.benchRSS = procKB("VmHWM") << 10
	reportBroadcast(w, o, run, res, final, statusErr == nil)
	t.describeKept(w)
	if runErr != nil {
		return fmt.Errorf("%w (server log: %s)", runErr, srv.logPath)
	}
	if res.dups > 0 || res.missing > 0 || len(ids) != o.Recipients {
		return fmt.Errorf("%d duplicates, %d recipients never reached the provider, %d of %d recipients queued",
			res.dups, res.missing, len(ids), o.Recipients)
	}
	return nil
}

// prepareBroadcast seeds the database as an admin would leave it: a
// WhatsApp channel with its templates synced, the contacts, and the
// broadcast started, its feed job waiting for a server.
func prepareBroadcast(ctx context.Context, t *target, emu *emulator.Emulator, emuURL, base string, o BroadcastOptions) (broadcast.Broadcast, error) {
	s, err := t.open(ctx)
	if err != nil {
		return broadcast.Broadcast{}, err
	}
	defer app.Close(s)
	owner, err := s.Auth.Setup(ctx, "Bench", "owner@bench.test", "Bench Owner", benchPassword)
	if err != nil {
		return broadcast.Broadcast{}, fmt.Errorf("setup: %w", err)
	}
	ch, err := createWhatsAppChannel(ctx, s, owner.WorkspaceID, emuURL, o.Rate)
	if err != nil {
		return broadcast.Broadcast{}, err
	}
	emu.SetCallback(base + "/webhooks/whatsapp/" + ch.ID)
	if _, err := s.Templates.Sync(ctx, owner.WorkspaceID, ch.ID); err != nil {
		return broadcast.Broadcast{}, fmt.Errorf("sync templates: %w", err)
	}
	if err := seedAudience(ctx, s, owner.WorkspaceID, o.Recipients); err != nil {
		return broadcast.Broadcast{}, err
	}
	b, err := s.Broadcasts.Create(ctx, owner, broadcast.Input{Name: "Winter sale", ChannelID: ch.ID,
		Template: &broadcast.Template{Name: benchTemplate.Name, Language: benchTemplate.Language,
			Values: templates.Values{Body: []string{"{{contact.first_name}}"}}},
		Audience: broadcast.Audience{Filter: &contacts.Filter{}}})
	if err != nil {
		return b, fmt.Errorf("create broadcast: %w", err)
	}
	if b, err = s.Broadcasts.Start(ctx, owner.WorkspaceID, b.ID, broadcast.StartOptions{}); err != nil {
		return b, fmt.Errorf("start broadcast: %w", err)
	}
	return b, nil
}

// seedAudience writes n contacts with distinct mobile numbers, as bulk
// INSERTs (creating them one by one would take longer than the broadcast).
func seedAudience(ctx context.Context, s *core.Services, ws string, n int) error {
	now := time.Now().UTC()
	firsts := []string{"Ana", "Bruno", "Carla", "Diego", "Elena", "Felipe", "Gabriela", "Hugo"}
	return bulkLoad(ctx, s.DB, func(b *bulkWriter) error {
		ins := b.table("contacts", "id", "workspace_id", "name", "email", "phone", "attributes", "created_at", "updated_at")
		for i := range n {
			if err := ins.add(newID(), ws, firsts[i%len(firsts)]+" Bench", "", "+"+senderWaID(i), "{}", now, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// charlaBinary is the binary to run: given, or built into a temporary directory.
func charlaBinary(ctx context.Context, w io.Writer, given string) (string, func(), error) {
	if given != "" {
		return given, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "charla-bench-bin-*")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "charla")
	st := time.Now()
	if err := buildCharla(ctx, bin); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	fmt.Fprintf(w, "built %s in %.1f s\n", bin, time.Since(st).Seconds())
	return bin, func() { os.RemoveAll(dir) }, nil
}

func splitList(s string) []string {
	out := []string{}
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}
