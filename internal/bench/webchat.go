package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charla/internal/app"
	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/core"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/store"
)

// WebchatOptions configure `charla bench webchat`.
type WebchatOptions struct {
	DB          string        // "sqlite" or a postgres:// URL
	Visitors    int           // distinct visitor sessions messages are spread over
	Duration    time.Duration // how long to fire
	Rate        int           // 0: every worker sends back to back; N: N msgs/s paced
	Concurrency int           // sending goroutines (and HTTP connections)
	// Direct calls Inbox.Receive in-process instead of POSTing over HTTP, to
	// separate the storage cost from the HTTP and JSON cost.
	Direct     bool
	CPUProfile string
	Keep       bool
	// Warm sends each visitor's first message (which creates the contact and
	// conversation) before timing, so only the steady state is measured.
	Warm bool

	// What-ifs, to size recommendations; not how charla runs.
	MemoryBus bool // PostgreSQL: in-process bus instead of LISTEN/NOTIFY
	Mmap      bool // SQLite: memory-mapped reads (PRAGMA mmap_size)
	// BusAgent times events from a bus subscription instead of the agent UI's SSE stream.
	BusAgent bool
}

const benchPassword = "bench-password"

// Targets from the performance brief: SQLite on the reference 2-core machine.
const (
	targetMsgsPerSec = 3000
	targetP99        = 50 * time.Millisecond
)

// poster sends one visitor message and returns its HTTP status (201 for a
// direct Receive that succeeded).
type poster interface {
	post(ctx context.Context, visitor int, body string) (int, error)
}

// Webchat loads charla with visitor messages and checks none were lost.
func Webchat(ctx context.Context, w io.Writer, o WebchatOptions) error {
	if o.Visitors < 1 || o.Concurrency < 1 || o.Duration <= 0 || o.Rate < 0 {
		return errors.New("--visitors, --concurrency and --duration must be positive, --rate not negative")
	}
	t, err := newTarget(ctx, o.DB, o.Keep)
	if err != nil {
		return err
	}
	defer t.Close()
	printHeader(w, "webchat", t.Label)
	s, err := t.open(ctx)
	if err != nil {
		return err
	}
	defer app.Close(s)

	owner, err := s.Auth.Setup(ctx, "Bench", "owner@bench.test", "Bench Owner", benchPassword)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	ch, err := s.Channels.Create(ctx, owner.WorkspaceID, "website", "Bench site", nil, nil)
	if err != nil {
		return fmt.Errorf("create website channel: %w", err)
	}

	var whatIf []string
	if o.MemoryBus && s.DB.Dialect == store.Postgres {
		// The inbox publishes through the bus it was built with, so it is rebuilt around the new one.
		pgBus := s.Bus
		defer pgBus.Close()
		s.Bus = events.NewMemory()
		s.Inbox = inbox.New(s.DB, s.Bus, s.Blobs, s.Contacts, s.Channels, s.Log)
		whatIf = append(whatIf, "in-process event bus instead of PostgreSQL LISTEN/NOTIFY")
	}

	if o.Mmap && s.DB.Dialect == store.SQLite {
		if err := useMmap(s.DB, filepath.Join(t.DataDir, "charla.db")); err != nil {
			return err
		}
		whatIf = append(whatIf, "SQLite mmap_size=1GiB")
	}

	// The server runs in this process, on a loopback listener, with the full
	// production handler: routing, middleware, metrics and the webchat handlers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srvCtx, stopServer := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(srvCtx, s, ln) }()
	defer func() {
		stopServer()
		<-served
	}()
	base := "http://" + ln.Addr().String()

	var p poster
	mode := "HTTP POST /widget/{channel}/messages"
	setupStart := time.Now()
	if o.Direct {
		mode = "direct Inbox.Receive (no HTTP)"
		p = &directPoster{s: s, ch: ch}
	} else {
		hp := newHTTPPoster(base, ch.ID, o.Concurrency)
		if err := hp.sessions(ctx, o.Visitors); err != nil {
			return err
		}
		p = hp
	}
	setupTime := time.Since(setupStart)
	var warmTime time.Duration
	if o.Warm {
		if warmTime, err = warmUp(ctx, p, o.Visitors, o.Concurrency); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	for _, wi := range whatIf {
		mode += "; WHAT-IF " + wi
	}

	// The agent: signed in to the UI with its event stream open, noting when
	// each new message is announced. Direct runs skip HTTP, so they subscribe
	// to the bus, as the stream handler does.
	var ag *agent
	if o.Direct || o.BusAgent {
		ag = busAgent(s.Bus.Subscribe(owner.WorkspaceID))
	} else if ag, err = sseAgent(ctx, base, owner.Email, benchPassword); err != nil {
		return err
	}

	load := fmt.Sprintf("closed loop: %d workers sending back to back", o.Concurrency)
	if o.Rate > 0 {
		load = fmt.Sprintf("open loop: %d msgs/s scheduled over %d workers (latency counted from the scheduled time)", o.Rate, o.Concurrency)
	}
	fmt.Fprintf(w, "mode: %s\nload: %s, %s, %d visitors\nagent: %s\n", mode, load, o.Duration, o.Visitors, ag.source)
	if !o.Direct {
		fmt.Fprintf(w, "setup: %d visitor sessions created over HTTP in %s\n", o.Visitors, setupTime.Round(time.Millisecond))
	}
	warmed := 0
	if o.Warm {
		warmed = o.Visitors
		fmt.Fprintf(w, "warm-up: each visitor's first message (new contact + conversation) sent before timing, in %s; not in the latencies\n", warmTime.Round(time.Millisecond))
	}
	fmt.Fprintln(w)

	stopProfile, err := Profile(o.CPUProfile)
	if err != nil {
		return err
	}
	run := fire(ctx, p, o)
	stopProfile()

	// Publishing happens after commit and before the response, so events are
	// normally in before the last response; allow stragglers a moment.
	ag.waitFor(run.ok, 3*time.Second)
	ag.stop()
	<-ag.done

	total, incoming, err := countMessages(ctx, s.DB)
	if err != nil {
		return err
	}
	e2e, matched, err := endToEnd(ctx, s, run, ag)
	if err != nil {
		return err
	}
	report(w, o, run, e2e, matched, total, incoming-int64(warmed), warmed, ag)
	t.describeKept(w)
	if lost := int64(run.ok+warmed) - incoming; lost > 0 {
		// The one result that is a bug rather than a number: fail the command.
		return fmt.Errorf("%d acknowledged messages are not in the database", lost)
	}
	return nil
}

// sample is one request as the client saw it.
type sample struct {
	seq   int64
	start time.Time // when it was due: the scheduled time in open loop
	lat   time.Duration
	code  int
}

type runResult struct {
	samples  []sample
	elapsed  time.Duration
	ok       int
	codes    map[int]int
	errs     int
	firstErr error
	unsent   int64 // open loop: scheduled but not sent by the deadline
}

func body(seq int64) string {
	return "bench-" + strconv.FormatInt(seq, 10) + " Hi! I ordered a jacket last week and it has not arrived yet, can you help?"
}

// seqOf reads the sequence number back from a stored body, to pair rows with requests.
func seqOf(b string) (int64, bool) {
	s, ok := strings.CutPrefix(b, "bench-")
	if !ok {
		return 0, false
	}
	n, _, _ := strings.Cut(s, " ")
	v, err := strconv.ParseInt(n, 10, 64)
	return v, err == nil
}

// fire sends messages for o.Duration and collects every request's outcome.
// rows adds what every HTTP load run reports to r: requests, status codes,
// errors, elapsed time and throughput.
func (run runResult) rows(r *table, sent, throughput string, paced bool) {
	var codes []string
	for c, n := range run.codes {
		codes = append(codes, fmt.Sprintf("%d×%d", n, c))
	}
	sort.Strings(codes)
	secs := run.elapsed.Seconds()
	r.row("result", "value")
	r.row(sent, len(run.samples))
	if paced {
		r.row("scheduled but not sent (behind schedule)", run.unsent)
	}
	r.row("responses by status", strings.Join(codes, " "))
	r.row("transport errors", run.errs)
	r.row("elapsed (s)", fmt.Sprintf("%.2f", secs))
	r.row(throughput, fmt.Sprintf("%.0f", float64(run.ok)/secs))
}

func fire(ctx context.Context, p poster, o WebchatOptions) runResult {
	var next atomic.Int64
	var mu sync.Mutex
	res := runResult{codes: map[int]int{}}
	t0 := time.Now()
	deadline := t0.Add(o.Duration)

	send := func(local *[]sample, due time.Time) {
		seq := next.Add(1) - 1
		// Consecutive sequence numbers go to different visitors, so no visitor
		// has two messages in flight while visitors ≥ workers.
		code, err := p.post(ctx, int(seq%int64(o.Visitors)), body(seq))
		*local = append(*local, sample{seq: seq, start: due, lat: time.Since(due), code: code})
		if err != nil {
			mu.Lock()
			res.errs++
			if res.firstErr == nil {
				res.firstErr = err
			}
			mu.Unlock()
		}
	}

	var jobs chan time.Time
	if o.Rate > 0 {
		jobs = make(chan time.Time, o.Concurrency*16)
		go func() {
			defer close(jobs)
			for k := int64(0); ; k++ {
				due := t0.Add(time.Duration(k * int64(time.Second) / int64(o.Rate)))
				if !due.Before(deadline) || ctx.Err() != nil {
					return
				}
				if time.Now().After(deadline) {
					// Overloaded: what was due but never sent by the end is
					// reported, rather than stretching the run indefinitely.
					res.unsent = int64(o.Duration)*int64(o.Rate)/int64(time.Second) - k
					return
				}
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				// Blocks when every worker is busy: the dispatcher then falls
				// behind schedule, and that lateness shows in the latencies.
				jobs <- due
			}
		}()
	}

	var wg sync.WaitGroup
	all := make([][]sample, o.Concurrency)
	for i := range o.Concurrency {
		wg.Go(func() {
			local := make([]sample, 0, 1024)
			if jobs != nil {
				for due := range jobs {
					send(&local, due)
				}
			} else {
				for now := time.Now(); now.Before(deadline) && ctx.Err() == nil; now = time.Now() {
					send(&local, now)
				}
			}
			all[i] = local
		})
	}
	wg.Wait()
	res.elapsed = time.Since(t0)
	for _, l := range all {
		res.samples = append(res.samples, l...)
	}
	for _, s := range res.samples {
		if s.code != 0 {
			res.codes[s.code]++
		}
		if s.code >= 200 && s.code < 300 {
			res.ok++
		}
	}
	return res
}

// endToEnd pairs each stored message with its request (by the sequence number
// in its body) and with the agent's event (by message id): the time from
// posting to the agent being told.
func endToEnd(ctx context.Context, s *core.Services, run runResult, ag *agent) (Summary, int, error) {
	due := make(map[int64]time.Time, len(run.samples))
	for _, x := range run.samples {
		due[x.seq] = x.start
	}
	rows, err := s.DB.R.QueryContext(ctx, "SELECT id, body FROM messages WHERE direction = 'incoming'")
	if err != nil {
		return Summary{}, 0, err
	}
	defer rows.Close()
	var d []time.Duration
	for rows.Next() {
		var id, b string
		if err := rows.Scan(&id, &b); err != nil {
			return Summary{}, 0, err
		}
		seq, ok := seqOf(b)
		if !ok {
			continue
		}
		start, okStart := due[seq]
		at, okAt := ag.at[id]
		if okStart && okAt {
			d = append(d, at.Sub(start))
		}
	}
	return Summarize(d), len(d), rows.Err()
}

// report prints the run; incoming excludes the warmed warm-up messages.
func report(w io.Writer, o WebchatOptions, run runResult, e2e Summary, matched int, total, incoming int64, warmed int, ag *agent) {
	lat := make([]time.Duration, 0, len(run.samples))
	for _, s := range run.samples {
		if s.code >= 200 && s.code < 300 {
			lat = append(lat, s.lat)
		}
	}
	req := Summarize(lat)
	var t table
	t.row("latency (ms)", "n", "p50", "p95", "p99", "max")
	t.row("request (2xx)", req.N, ms(req.P50), ms(req.P95), ms(req.P99), ms(req.Max))
	t.row("posted → agent event", e2e.N, ms(e2e.P50), ms(e2e.P95), ms(e2e.P99), ms(e2e.Max))
	t.print(w)

	secs := run.elapsed.Seconds()
	lost := int64(run.ok) - incoming
	var r table
	run.rows(&r, "requests sent", "throughput, 2xx (req/s)", o.Rate > 0)
	r.row("stored messages (SELECT COUNT(*))", total)
	if warmed > 0 {
		r.row("of which warm-up", warmed)
	}
	r.row("stored incoming (timed phase)", incoming)
	r.row("stored incoming / s", fmt.Sprintf("%.0f", float64(incoming)/secs))
	r.row("lost (2xx but not stored)", max(lost, 0))
	r.row("stored without a 2xx", max(-lost, 0))
	r.row("agent: message.created events", ag.created)
	r.row("agent: events matched to requests", matched)
	r.row("agent: lag signals (events dropped)", ag.lagged)
	r.print(w)
	if run.firstErr != nil {
		fmt.Fprintf(w, "first transport error: %v\n", run.firstErr)
	}
	rate := float64(incoming) / secs
	on := "SQLite"
	if strings.HasPrefix(o.DB, "postgres") {
		on = "set for SQLite; shown for comparison"
	}
	fmt.Fprintf(w, "target (%s): ≥ %d stored msgs/s and request p99 < %s, zero lost: %s (%.0f msgs/s, p99 %s ms, lost %d)\n\n",
		on, targetMsgsPerSec, targetP99, verdict(rate >= targetMsgsPerSec && req.P99 < targetP99 && lost == 0 && run.ok > 0),
		rate, ms(req.P99), lost)
}

// agent times when each message.created reaches an agent: either straight
// from the bus, or through the agent UI's server-sent event stream.
type agent struct {
	source  string
	stop    func()
	done    chan struct{}
	mu      sync.Mutex
	at      map[string]time.Time // message id → when the event arrived
	created int
	lagged  int
}

func (a *agent) saw(msgID string) {
	now := time.Now()
	a.mu.Lock()
	a.at[msgID] = now
	a.created++
	a.mu.Unlock()
}

func (a *agent) lag() {
	a.mu.Lock()
	a.lagged++
	a.mu.Unlock()
}

// busAgent subscribes to the workspace on the bus, as the SSE handler does.
func busAgent(sub *events.Subscription) *agent {
	a := &agent{source: "bus subscription (events.Bus.Subscribe)", stop: sub.Close, done: make(chan struct{}), at: map[string]time.Time{}}
	go func() {
		defer close(a.done)
		for {
			select {
			case e, ok := <-sub.C:
				if !ok {
					return
				}
				if e.Kind == events.KindMessageCreated {
					a.saw(e.Message)
				}
			case <-sub.Lagged():
				a.lag()
			}
		}
	}()
	return a
}

// sseAgent signs in through the login form and reads GET /events as an
// agent's browser does; it returns once the stream is open, so no later
// event is missed.
func sseAgent(ctx context.Context, base, email, password string) (*agent, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	form := url.Values{"email": {email}, "password": {password}}
	resp, err := c.PostForm(base+"/login", form)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sign in: POST /login ended with %d", resp.StatusCode)
	}
	c.Timeout = 0 // the stream lasts the whole run
	sctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err = c.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("GET /events: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET /events: %d %s (not signed in?)", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	a := &agent{source: "agent UI stream (GET /events, signed in)", stop: cancel, done: make(chan struct{}), at: map[string]time.Time{}}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && sc.Text() != ": connected" {
	}
	go func() {
		defer close(a.done)
		defer resp.Body.Close()
		// "event: msg-<conversation>" then "data: <message id>" is a message
		// created or updated; the run only creates, so each is one arrival.
		name := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				if strings.HasPrefix(name, "msg-") {
					a.saw(line[len("data: "):])
				} else if name == "refresh" {
					a.lag()
				}
			case line == "":
				name = ""
			}
		}
	}()
	return a, nil
}

// waitFor returns once n message events arrived, or when none arrived for quiet.
func (a *agent) waitFor(n int, quiet time.Duration) {
	last, lastAt := -1, time.Now()
	for {
		a.mu.Lock()
		got := a.created
		a.mu.Unlock()
		if got >= n || time.Since(lastAt) > quiet {
			return
		}
		if got != last {
			last, lastAt = got, time.Now()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// directPoster stores messages through the same service call the webchat
// handler makes, without HTTP.
type directPoster struct {
	s  *core.Services
	ch channel.Channel
}

func (d *directPoster) post(ctx context.Context, visitor int, body string) (int, error) {
	_, err := d.s.Inbox.Receive(ctx, inbox.Inbound{Channel: d.ch,
		From: contacts.Who{ExternalID: visitorID(visitor)}, Body: body})
	if err != nil {
		return 500, err
	}
	return http.StatusCreated, nil
}

func visitorID(v int) string { return "bench-visitor-" + strconv.Itoa(v) }

// httpPoster is a visitor's widget: a session token per visitor, then JSON posts.
type httpPoster struct {
	c      *http.Client
	base   string // http://host:port/widget/{channel}
	origin string
	tokens []string // by visitor
}

func newHTTPPoster(base, channelID string, conns int) *httpPoster {
	tr := &http.Transport{
		// One kept-alive connection per worker: no TCP handshakes mid-run,
		// as with browsers keeping their connection to the widget host.
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &httpPoster{c: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		base: base + "/widget/" + channelID, origin: base}
}

// sessions opens n visitor sessions, a few at a time.
func (h *httpPoster) sessions(ctx context.Context, n int) error {
	h.tokens = make([]string, n)
	var wg sync.WaitGroup
	var first atomic.Value
	var next atomic.Int64
	for range min(n, 16) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				tok, err := h.session(ctx)
				if err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				h.tokens[i] = tok
			}
		})
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return fmt.Errorf("create visitor session: %w", err)
	}
	return nil
}

func (h *httpPoster) session(ctx context.Context) (string, error) {
	code, b, err := h.do(ctx, "/session", "", []byte(`{}`))
	if err != nil {
		return "", err
	}
	if code/100 != 2 {
		return "", fmt.Errorf("POST /session: %d %s", code, bytes.TrimSpace(b))
	}
	var r struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Token == "" {
		return "", fmt.Errorf("POST /session: no token in %s", b)
	}
	return r.Token, nil
}

func (h *httpPoster) post(ctx context.Context, visitor int, body string) (int, error) {
	payload, _ := json.Marshal(map[string]string{"body": body})
	code, b, err := h.do(ctx, "/messages", h.tokens[visitor], payload)
	if err == nil && code != http.StatusCreated {
		err = fmt.Errorf("POST /messages: %d %s", code, bytes.TrimSpace(b))
	}
	return code, err
}

func (h *httpPoster) do(ctx context.Context, path, token string, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+path, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", h.origin)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	// Reading the whole body lets the connection be reused.
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}
