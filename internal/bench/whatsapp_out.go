package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charla/internal/app"
	"charla/internal/emulator"
)

// WhatsAppOutOptions configure `charla bench whatsapp-out`.
type WhatsAppOutOptions struct {
	DB         string  // "sqlite" or a postgres:// URL
	Messages   int     // outgoing messages to queue
	Rate       float64 // the channel's rate_limit, messages/s
	Recipients int     // customers (one conversation each) the messages go to
	Agents     int     // concurrent agents composing
	// Statuses the emulator reports for each accepted message, comma-separated
	// ("" for none); each is one signed webhook back to charla.
	Statuses string
	// ProviderLimit has the emulator enforce Rate itself (token bucket, one
	// second of burst, 130429 beyond it), as Meta enforces a number's tier.
	ProviderLimit bool
	CPUProfile    string
	Keep          bool
	// TempStoreMemory is the what-if of WhatsAppInOptions.
	TempStoreMemory bool
}

// targetWAOutError is how far the achieved send rate may be from the setting.
const targetWAOutError = 0.02

// WhatsAppOut queues outgoing messages as agents would, lets the send
// pipeline deliver them to the emulator at the channel's rate_limit, and
// measures the rate the provider saw, duplicates and losses.
func WhatsAppOut(ctx context.Context, w io.Writer, o WhatsAppOutOptions) error {
	if o.Messages < 1 || o.Recipients < 1 || o.Agents < 1 || o.Rate < 1 || o.Rate > 1000 {
		return errors.New("--messages, --recipients and --agents must be positive, --rate between 1 and 1000")
	}
	t, err := newTarget(ctx, o.DB, o.Keep)
	if err != nil {
		return err
	}
	defer t.Close()
	printHeader(w, "whatsapp-out", t.Label)
	s, err := t.open(ctx)
	if err != nil {
		return err
	}
	defer app.Close(s)
	owner, err := s.Auth.Setup(ctx, "Bench", "owner@bench.test", "Bench Owner", benchPassword)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	whatIf := ""
	if o.TempStoreMemory && !onPostgres(o.DB) {
		if _, err := s.DB.W.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
			return err
		}
		whatIf = "; WHAT-IF SQLite temp_store=MEMORY on the writer"
	}
	// charla serves its webhooks now; its jobs start once the queue is full.
	base, stopServer, err := serveCharla(s, false)
	if err != nil {
		return err
	}
	defer stopServer()

	// The emulator stands in for Meta on a listener of its own.
	var statuses []string
	for st := range strings.SplitSeq(o.Statuses, ",") {
		if st = strings.TrimSpace(st); st != "" {
			statuses = append(statuses, st)
		}
	}
	cfg := emulator.Config{AppSecret: benchAppSecret, AccessToken: benchAccessToken, PhoneNumberID: benchPhoneNumberID,
		WABAID: benchWABAID, DisplayPhoneNumber: benchDisplayNumber, AutoStatuses: true, DiscardBodies: true,
		Statuses: append([]string{}, statuses...)}
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
	var conns atomic.Int64 // connections opened to the emulator (by charla: sends, media, read receipts)
	emuSrv := &http.Server{Handler: counts.wrap(emu.Mux()), ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}}
	go func() { _ = emuSrv.Serve(emuLn) }()
	defer emuSrv.Close()
	emuURL := "http://" + emuLn.Addr().String()

	ch, err := createWhatsAppChannel(ctx, s, owner.WorkspaceID, emuURL, o.Rate)
	if err != nil {
		return err
	}
	emu.SetCallback(base + "/webhooks/whatsapp/" + ch.ID)

	// Each customer writes first: that opens the 24-hour window on both
	// sides, and charla gets the contact and conversation by webhook.
	setupStart := time.Now()
	for i := range o.Recipients {
		if _, err := emu.CustomerSends(ctx, senderWaID(i), fmt.Sprintf("Customer %d", i), emulator.Text("Hi, where is my order?")); err != nil {
			return fmt.Errorf("customer message: %w", err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err = emu.WaitDelivered(wctx)
	cancel()
	if err != nil {
		return fmt.Errorf("inbound webhooks not delivered: %w", err)
	}
	convs, err := conversationIDs(ctx, s.DB.R)
	if err != nil {
		return err
	}
	if len(convs) != o.Recipients {
		return fmt.Errorf("%d conversations after %d customers wrote", len(convs), o.Recipients)
	}
	setupTime := time.Since(setupStart)

	// Agents reply: inbox.Send stores each message queued with its send job.
	composeStart := time.Now()
	ids := make([]string, o.Messages)
	var next atomic.Int64
	first := newErrFirst()
	var wg sync.WaitGroup
	for range o.Agents {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < o.Messages && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				m, err := s.Inbox.Send(ctx, owner, convs[i%len(convs)], fmt.Sprintf("Update %d: your parcel left our warehouse and arrives in two days.", i), nil)
				if err != nil {
					first.set(fmt.Errorf("compose: %w", err))
					return
				}
				ids[i] = m.ID
			}
		})
	}
	wg.Wait()
	if err := first.err(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	composeTime := time.Since(composeStart)

	provider := "unlimited"
	if o.ProviderLimit {
		provider = fmt.Sprintf("%g msgs/s (token bucket, 1 s burst, 130429 beyond)", o.Rate)
	}
	st := o.Statuses
	if len(statuses) == 0 {
		st = "none"
	}
	fmt.Fprintf(w, "channel: whatsapp_cloud, rate_limit %g msgs/s; emulator over HTTP, its own limit %s, status webhooks per message: %s%s\n", o.Rate, provider, st, whatIf)
	fmt.Fprintf(w, "setup: %d customers wrote first (webhooks) in %s\n", o.Recipients, setupTime.Round(time.Millisecond))
	fmt.Fprintf(w, "queued: %d messages by %d agents (inbox.Send → River job) in %s (%.0f/s); the pipeline starts after\n\n",
		o.Messages, o.Agents, composeTime.Round(time.Millisecond), float64(o.Messages)/composeTime.Seconds())

	// The send phase: start the jobs and wait for the provider to have them all.
	stopProfile, err := Profile(o.CPUProfile)
	if err != nil {
		return err
	}
	cpu0 := cpuSeconds()
	conns0 := conns.Load()
	start := time.Now()
	if err := s.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		stopProfile()
		return fmt.Errorf("start jobs: %w", err)
	}
	expected := time.Duration(float64(o.Messages) / o.Rate * float64(time.Second))
	deadline := start.Add(2*expected + time.Minute)
	for emu.SentCount() < o.Messages && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	// Every accepted message's provider id must reach the database too.
	var recorded int64
	for time.Now().Before(deadline.Add(30*time.Second)) && ctx.Err() == nil {
		if recorded, err = countRecorded(ctx, s.DB.R); err != nil || recorded >= int64(o.Messages) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	sendPhase := time.Since(start)
	cpu := cpuSeconds() - cpu0
	stopProfile()
	if err != nil {
		return err
	}
	// The status webhooks trail the sends; give them a while.
	statusStart := time.Now()
	sctx, cancel := context.WithTimeout(ctx, time.Minute+expected/2)
	statusErr := emu.WaitDelivered(sctx)
	cancel()
	statusTime := time.Since(statusStart)

	byStatus, err := outgoingByStatus(ctx, s.DB.R)
	if err != nil {
		return err
	}
	res := analyzeSends(emu.Sent(), ids, o.Rate)
	res.recorded, res.byStatus, res.codes = recorded, byStatus, counts.snapshot()
	res.sendPhase, res.start, res.cpu = sendPhase, start, cpu
	res.conns = conns.Load() - conns0
	res.statusTime, res.statusPending = statusTime, emu.Pending()
	if statusErr == nil {
		res.statusPending = 0
	}
	reportWhatsAppOut(w, o, res)
	t.describeKept(w)
	if res.dups > 0 || res.missing > 0 || res.recorded < int64(o.Messages) {
		return fmt.Errorf("%d duplicates, %d messages never reached the provider, %d without a provider id",
			res.dups, res.missing, int64(o.Messages)-res.recorded)
	}
	return nil
}

// outResult is what the emulator and the database say about a run.
type outResult struct {
	n, distinct, dups, missing, foreign int
	first, last                         time.Time
	overall                             float64 // sends/s from the first to the last send
	minWin, maxWin                      int     // fewest and most sends in any 1-second window
	// Each send's offset from an even schedule at the set rate that starts
	// at the first send (positive: late).
	offMin, offP50, offP99, offMax time.Duration

	recorded              int64 // outgoing rows with a provider id
	byStatus              map[string]int
	codes                 map[int]int // the emulator's answers to sends
	sendPhase, statusTime time.Duration
	start                 time.Time // when the jobs were started
	cpu                   float64   // process CPU seconds in the send phase
	statusPending         int
	conns                 int64 // TCP connections opened to the provider in the send phase
}

// analyzeSends checks the provider's log against the queued ids and measures
// the send rate from the provider's receive timestamps.
func analyzeSends(sent []emulator.SentMessage, ids []string, rate float64) outResult {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	seen := make(map[string]int, len(ids))
	var at []time.Time
	r := outResult{}
	for _, m := range sent {
		if !want[m.CallbackData] {
			r.foreign++
			continue
		}
		seen[m.CallbackData]++
		at = append(at, m.At)
	}
	r.n, r.distinct = len(at), len(seen)
	for _, c := range seen {
		r.dups += c - 1
	}
	r.missing = len(ids) - len(seen)
	if len(at) < 2 {
		return r
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	r.first, r.last = at[0], at[len(at)-1]
	span := r.last.Sub(r.first)
	r.overall = float64(len(at)-1) / span.Seconds()
	// Sliding 1-second windows [at[i], at[i]+1s) that end before the last send.
	r.minWin, r.maxWin = -1, 0
	j := 0
	for i := range at {
		end := at[i].Add(time.Second)
		if end.After(r.last) {
			break
		}
		for j < len(at) && at[j].Before(end) {
			j++
		}
		c := j - i
		if r.minWin < 0 || c < r.minWin {
			r.minWin = c
		}
		r.maxWin = max(r.maxWin, c)
	}
	if r.minWin < 0 { // the run was shorter than a second
		r.minWin = 0
	}
	off := make([]time.Duration, len(at))
	for k, t := range at {
		off[k] = t.Sub(r.first) - time.Duration(float64(k)/rate*float64(time.Second))
	}
	slices.Sort(off)
	r.offMin, r.offMax = off[0], off[len(off)-1]
	r.offP50, r.offP99 = Percentile(off, 50), Percentile(off, 99)
	return r
}

func reportWhatsAppOut(w io.Writer, o WhatsAppOutOptions, r outResult) {
	dev := func(v float64) string { return fmt.Sprintf("%+.1f%%", (v-o.Rate)/o.Rate*100) }
	var t table
	t.row("send rate (provider's receive timestamps)", "msgs/s", "vs setting")
	t.row("first → last send", fmt.Sprintf("%.1f", r.overall), dev(r.overall))
	if r.last.Sub(r.first) >= time.Second {
		t.row("slowest 1-second window", r.minWin, dev(float64(r.minWin)))
		t.row("fastest 1-second window", r.maxWin, dev(float64(r.maxWin)))
	}
	t.print(w)
	if r.n > 1 {
		fmt.Fprintf(w, "each send vs an even schedule at %g/s from the first send (ms, + is late): min %s, p50 %s, p99 %s, max %s\n\n",
			o.Rate, signedMs(r.offMin), signedMs(r.offP50), signedMs(r.offP99), signedMs(r.offMax))
	}

	var codes []string
	for c, n := range r.codes {
		codes = append(codes, fmt.Sprintf("%d×%d", n, c))
	}
	sort.Strings(codes)
	var states []string
	for st, n := range r.byStatus {
		states = append(states, fmt.Sprintf("%s %d", st, n))
	}
	sort.Strings(states)
	var x table
	x.row("result", "value")
	x.row("queued", o.Messages)
	x.row("accepted by the provider (ours)", r.n)
	x.row("distinct charla ids (biz_opaque_callback_data)", r.distinct)
	x.row("duplicates (same id accepted twice)", r.dups)
	x.row("never reached the provider", r.missing)
	if r.foreign > 0 {
		x.row("accepted sends that are not the queued messages", r.foreign)
	}
	x.row("provider answers to sends, by status", strings.Join(codes, " "))
	x.row("TCP connections opened to the provider (send phase)", r.conns)
	x.row("with a provider id in the database", r.recorded)
	x.row("outgoing rows by status, at the end", strings.Join(states, ", "))
	if !r.first.IsZero() {
		x.row("jobs started → first send (ms)", ms(r.first.Sub(r.start)))
		x.row("first → last send (s)", fmt.Sprintf("%.2f", r.last.Sub(r.first).Seconds()))
	}
	x.row("send phase incl. recording ids (s)", fmt.Sprintf("%.2f", r.sendPhase.Seconds()))
	if r.cpu > 0 {
		x.row("process CPU in the send phase (cores)", fmt.Sprintf("%.2f", r.cpu/r.sendPhase.Seconds()))
		if r.n > 0 {
			x.row("process CPU per sent message (µs)", fmt.Sprintf("%.0f", r.cpu/float64(r.n)*1e6))
		}
	}
	if r.statusPending > 0 {
		x.row("status webhooks still undelivered after waiting (s)", fmt.Sprintf("%d after %.1f", r.statusPending, r.statusTime.Seconds()))
	} else {
		x.row("status webhooks all delivered, after the send phase (s)", fmt.Sprintf("%.1f", r.statusTime.Seconds()))
	}
	x.print(w)
	lost := int64(o.Messages) - r.recorded
	throttled := r.codes[http.StatusTooManyRequests]
	ok := r.dups == 0 && r.missing == 0 && lost == 0 && throttled == 0
	within := r.overall > 0 && abs(r.overall-o.Rate)/o.Rate <= targetWAOutError
	// Throttling counts against the target: the rate must be charla's own
	// pacing, not the provider refusing the excess.
	fmt.Fprintf(w, "target: achieved rate within %.0f%% of rate_limit %g, never throttled, zero duplicates, zero lost: %s (%.1f msgs/s, %s; %d×429, %d duplicates, %d lost)\n",
		targetWAOutError*100, o.Rate, verdict(ok && within), r.overall, dev(r.overall), throttled, r.dups, max(int64(r.missing), lost))
	if r.last.Sub(r.first) >= time.Second {
		winOK := abs(float64(r.minWin)-o.Rate)/o.Rate <= targetWAOutError && abs(float64(r.maxWin)-o.Rate)/o.Rate <= targetWAOutError
		fmt.Fprintf(w, "every 1-second window within %.0f%%: %s (%d to %d msgs)\n", targetWAOutError*100, verdict(winOK), r.minWin, r.maxWin)
	}
	fmt.Fprintln(w)
}

func signedMs(d time.Duration) string {
	if d < 0 {
		return "-" + ms(-d)
	}
	return "+" + ms(d)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// statusCounter counts the emulator's answers to sends (POST …/messages).
type statusCounter struct {
	mu    sync.Mutex
	codes map[int]int
}

func (c *statusCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") {
			h.ServeHTTP(w, r)
			return
		}
		rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		c.mu.Lock()
		c.codes[rec.code]++
		c.mu.Unlock()
	})
}

func (c *statusCounter) snapshot() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int]int, len(c.codes))
	for k, v := range c.codes {
		out[k] = v
	}
	return out
}

type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (r *codeRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// conversationIDs lists the benchmark's conversations (the database is its own).
func conversationIDs(ctx context.Context, d *sql.DB) ([]string, error) {
	rows, err := d.QueryContext(ctx, "SELECT id FROM conversations ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// countRecorded is how many outgoing messages have their provider id stored.
func countRecorded(ctx context.Context, d *sql.DB) (int64, error) {
	var n int64
	err := d.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages WHERE direction = 'outgoing' AND provider_message_id IS NOT NULL").Scan(&n)
	return n, err
}

func outgoingByStatus(ctx context.Context, d *sql.DB) (map[string]int, error) {
	rows, err := d.QueryContext(ctx, "SELECT status, COUNT(*) FROM messages WHERE direction = 'outgoing' GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}
