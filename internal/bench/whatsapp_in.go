package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"charla/internal/app"
	"charla/internal/channel/whatsapp"
)

// WhatsAppInOptions configure `charla bench whatsapp-in`.
type WhatsAppInOptions struct {
	DB       string        // "sqlite" or a postgres:// URL
	Duration time.Duration // how long to fire
	Rate     int           // 0: every connection posts back to back; N: N webhooks/s paced
	Senders  int           // distinct customers (wa_ids) the messages come from
	Conns    int           // concurrent senders (HTTP connections)
	// Warm sends each customer's first message (new contact + conversation)
	// before timing, so only the steady state is measured.
	Warm       bool
	CPUProfile string
	Keep       bool
}

// Targets from the WhatsApp issue (SQLite, reference 2-core machine).
const (
	targetWAInPerSec  = 5000
	targetWAInP99     = 50 * time.Millisecond
	targetWAInP99Rate = 2000
)

// WhatsAppIn fires signed Cloud API message webhooks at charla and checks
// every acknowledged message was stored.
func WhatsAppIn(ctx context.Context, w io.Writer, o WhatsAppInOptions) error {
	if o.Senders < 1 || o.Conns < 1 || o.Duration <= 0 || o.Rate < 0 {
		return errors.New("--senders, --conns and --duration must be positive, --rate not negative")
	}
	t, err := newTarget(ctx, o.DB, o.Keep)
	if err != nil {
		return err
	}
	defer t.Close()
	printHeader(w, "whatsapp-in", t.Label)
	s, err := t.open(ctx)
	if err != nil {
		return err
	}
	defer app.Close(s)
	owner, err := s.Auth.Setup(ctx, "Bench", "owner@bench.test", "Bench Owner", benchPassword)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	ch, err := createWhatsAppChannel(ctx, s, owner.WorkspaceID, "", 0)
	if err != nil {
		return err
	}
	base, stopServer, err := serveCharla(s, true)
	if err != nil {
		return err
	}
	defer stopServer()

	p := newWAPoster(base+"/webhooks/whatsapp/"+ch.ID, o.Conns)
	var warmTime time.Duration
	warmed := 0
	if o.Warm {
		if warmTime, err = warmUp(ctx, p, o.Senders, o.Conns); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		warmed = o.Senders
	}

	load := fmt.Sprintf("closed loop: %d connections posting back to back", o.Conns)
	if o.Rate > 0 {
		load = fmt.Sprintf("open loop: %d webhooks/s scheduled over %d connections (latency counted from the scheduled time)", o.Rate, o.Conns)
	}
	fmt.Fprintf(w, "mode: HTTP POST /webhooks/whatsapp/{channel}, X-Hub-Signature-256 signed, one text message per delivery, unique wamids\n")
	fmt.Fprintf(w, "load: %s, %s, %d senders\n", load, o.Duration, o.Senders)
	if o.Warm {
		fmt.Fprintf(w, "warm-up: each sender's first message (new contact + conversation) sent before timing, in %s; not in the latencies\n", warmTime.Round(time.Millisecond))
	}
	fmt.Fprintln(w)

	stopProfile, err := Profile(o.CPUProfile)
	if err != nil {
		return err
	}
	cpu0 := cpuSeconds()
	run := fire(ctx, p, WebchatOptions{Visitors: o.Senders, Duration: o.Duration, Rate: o.Rate, Concurrency: o.Conns})
	cpu := cpuSeconds() - cpu0
	stopProfile()

	_, incoming, err := countMessages(ctx, s.DB)
	if err != nil {
		return err
	}
	incoming -= int64(warmed)
	lost := int64(run.ok) - incoming
	reportWhatsAppIn(w, o, run, incoming, warmed, cpu)
	t.describeKept(w)
	if lost > 0 {
		return fmt.Errorf("%d acknowledged messages are not in the database", lost)
	}
	return nil
}

func reportWhatsAppIn(w io.Writer, o WhatsAppInOptions, run runResult, incoming int64, warmed int, cpu float64) {
	lat := make([]time.Duration, 0, len(run.samples))
	for _, s := range run.samples {
		if s.code == http.StatusOK {
			lat = append(lat, s.lat)
		}
	}
	req := Summarize(lat)
	var t table
	t.row("latency (ms)", "n", "p50", "p95", "p99", "max")
	t.row("webhook POST (200)", req.N, ms(req.P50), ms(req.P95), ms(req.P99), ms(req.Max))
	t.print(w)

	secs := run.elapsed.Seconds()
	lost := int64(run.ok) - incoming
	var r table
	run.rows(&r, "webhooks sent", "throughput, 200 OK (req/s)", o.Rate > 0)
	if warmed > 0 {
		r.row("warm-up messages (not counted below)", warmed)
	}
	r.row("stored incoming (SELECT COUNT(*), timed phase)", incoming)
	r.row("stored incoming / s", fmt.Sprintf("%.0f", float64(incoming)/secs))
	r.row("lost (200 but not stored)", max(lost, 0))
	r.row("stored without a 200", max(-lost, 0))
	if cpu > 0 {
		r.row("process CPU, server + load generator (cores)", fmt.Sprintf("%.2f", cpu/secs))
		if incoming > 0 {
			r.row("process CPU per stored message (µs)", fmt.Sprintf("%.0f", cpu/float64(incoming)*1e6))
		}
	}
	r.print(w)
	if run.firstErr != nil {
		fmt.Fprintf(w, "first error: %v\n", run.firstErr)
	}
	rate := float64(incoming) / secs
	on := "SQLite"
	if onPostgres(o.DB) {
		on = "set for SQLite; shown for comparison"
	}
	ok := lost == 0 && run.ok > 0
	if o.Rate == 0 {
		fmt.Fprintf(w, "target (%s): ≥ %d stored msgs/s at saturation, zero lost: %s (%.0f msgs/s, lost %d)\n\n",
			on, targetWAInPerSec, verdict(ok && rate >= targetWAInPerSec), rate, lost)
		return
	}
	note := ""
	if o.Rate != targetWAInP99Rate {
		note = fmt.Sprintf("; the target is set at --rate %d, this run is at %d", targetWAInP99Rate, o.Rate)
	}
	fmt.Fprintf(w, "target (%s): p99 < %s at a fixed rate, zero lost: %s (p99 %s ms, lost %d, %d behind schedule%s)\n\n",
		on, targetWAInP99, verdict(ok && req.P99 < targetWAInP99 && run.unsent == 0), ms(req.P99), lost, run.unsent, note)
}

// waPoster plays Meta: one signed Cloud API envelope per message, as
// deliveries arrive for a busy number (Meta may batch, but under load it
// mostly sends one message per request).
type waPoster struct {
	c     *http.Client
	url   string
	nonce string
	next  atomic.Int64
}

func newWAPoster(url string, conns int) *waPoster {
	tr := &http.Transport{
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &waPoster{c: &http.Client{Transport: tr, Timeout: 30 * time.Second}, url: url,
		nonce: strings.ToUpper(hex.EncodeToString(b[:]))}
}

func (p *waPoster) post(ctx context.Context, sender int, text string) (int, error) {
	body := p.envelope(sender, p.next.Add(1), text)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(body, benchAppSecret))
	resp, err := p.c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("POST webhook: %d %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return resp.StatusCode, nil
}

// envelope is Meta's webhook body for one text message from sender, the
// shape of the Cloud API's documented example, with a unique wamid.
func (p *waPoster) envelope(sender int, seq int64, text string) []byte {
	from := senderWaID(sender)
	quoted, _ := json.Marshal(text)
	b := make([]byte, 0, 512+len(quoted))
	b = append(b, `{"object":"whatsapp_business_account","entry":[{"id":"`+benchWABAID+`","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"`+benchDisplayNumber+`","phone_number_id":"`+benchPhoneNumberID+`"},"contacts":[{"profile":{"name":"Customer `...)
	b = strconv.AppendInt(b, int64(sender), 10)
	b = append(b, `"},"wa_id":"`...)
	b = append(b, from...)
	b = append(b, `"}],"messages":[{"from":"`...)
	b = append(b, from...)
	b = append(b, `","id":"wamid.HBgN`...)
	b = append(b, from...)
	b = append(b, "FQIAEhgU"...)
	b = append(b, p.nonce...)
	b = append(b, fmt.Sprintf("%012d", seq)...)
	b = append(b, `","timestamp":"`...)
	b = strconv.AppendInt(b, time.Now().Unix(), 10)
	b = append(b, `","type":"text","text":{"body":`...)
	b = append(b, quoted...)
	b = append(b, `}}]},"field":"messages"}]}]}`...)
	return b
}
