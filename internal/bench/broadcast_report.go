package bench

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// targetBroadcastRSS is the bound on memory during a broadcast.
const targetBroadcastRSS = 150 << 20

func reportBroadcast(w io.Writer, o BroadcastOptions, run broadcastRun, r outResult, c map[string]int, statusesIn bool) {
	dev := func(v float64) string { return fmt.Sprintf("%+.2f%%", (v-o.Rate)/o.Rate*100) }
	var t table
	t.row("send rate (provider's receive timestamps)", "msgs/s", "vs setting")
	t.row("first → last send", fmt.Sprintf("%.2f", r.overall), dev(r.overall))
	if r.last.Sub(r.first) >= time.Second {
		t.row("slowest 1-second window", r.minWin, dev(float64(r.minWin)))
		t.row("fastest 1-second window", r.maxWin, dev(float64(r.maxWin)))
	}
	t.print(w)
	if r.n > 1 {
		fmt.Fprintf(w, "scheduling jitter — each send vs an even schedule at %g/s from the first send (ms, + is late): min %s, p50 %s, p99 %s, max %s\n",
			o.Rate, signedMs(r.offMin), signedMs(r.offP50), signedMs(r.offP99), signedMs(r.offMax))
		fmt.Fprintf(w, "  … vs an even schedule at the achieved %.1f/s (the same, less any shortfall of the rate): |offset| p50 %s, p99 %s, max %s\n\n",
			r.overall, ms(run.jitter.p50), ms(run.jitter.p99), ms(run.jitter.max))
	}
	var codes []string
	for code, n := range r.codes {
		codes = append(codes, fmt.Sprintf("%d×%d", n, code))
	}
	sort.Strings(codes)
	var x table
	x.row("result", "value")
	x.row("recipients", o.Recipients)
	x.row("accepted by the provider (distinct charla ids)", r.distinct)
	x.row("duplicates (same id accepted twice)", r.dups)
	x.row("recipients never reached the provider", r.missing)
	x.row("provider answers to sends, by status", strings.Join(codes, " "))
	if !run.audienceDone.IsZero() {
		x.row("start → audience written (s)", fmt.Sprintf("%.2f", run.audienceDone.Sub(run.start).Seconds()))
	}
	if !r.first.IsZero() {
		x.row("start → first send (ms)", ms(r.first.Sub(run.start)))
		x.row("first → last send (s)", fmt.Sprintf("%.2f", r.last.Sub(r.first).Seconds()))
	}
	end := run.completed
	if end.IsZero() {
		x.row("completed", "no: the report covers what was sent by the deadline")
		end = time.Now()
	} else {
		x.row("start → completed (s)", fmt.Sprintf("%.2f", end.Sub(run.start).Seconds()))
	}
	x.row("charla serve CPU during the run (cores)", fmt.Sprintf("%.2f", run.cpu/end.Sub(run.start).Seconds()))
	if run.sentDuring > 0 {
		x.row("charla serve CPU per message, first send → completed (µs)", fmt.Sprintf("%.0f", run.sending/float64(run.sentDuring)*1e6))
	}
	x.row("charla serve peak RSS, sampled every 250 ms (MB)", mb(run.peakRSS))
	x.row("bench process peak RSS: emulator and load (MB)", mb(run.benchRSS))
	x.row("recipients at the end, by status", byStatus(c))
	if !statusesIn {
		x.row("status webhooks", "some still undelivered a minute after the last send")
	}
	x.print(w)
	throttled := r.codes[http.StatusTooManyRequests]
	ok := r.dups == 0 && r.missing == 0 && throttled == 0
	within := r.overall > 0 && abs(r.overall-o.Rate)/o.Rate <= targetWAOutError
	fmt.Fprintf(w, "target: achieved rate within %.0f%% of %g/s, zero duplicates, zero lost: %s (%.2f msgs/s, %s; %d duplicates, %d lost, %d×429)\n",
		targetWAOutError*100, o.Rate, verdict(ok && within), r.overall, dev(r.overall), r.dups, r.missing, throttled)
	fmt.Fprintf(w, "target: charla serve peak RSS < 150 MB: %s (%s MB)\n\n",
		verdict(run.peakRSS > 0 && run.peakRSS < targetBroadcastRSS), mb(run.peakRSS))
}

// jitter is how far sends stray from an even schedule.
type jitter struct{ p50, p99, max time.Duration }

// detrended measures each send against an even schedule from the first to
// the last send: scheduling jitter apart from whether the rate was met.
func detrended(at []time.Time) jitter {
	if len(at) < 3 {
		return jitter{}
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	step := at[len(at)-1].Sub(at[0]) / time.Duration(len(at)-1)
	off := make([]time.Duration, len(at))
	for k, t := range at {
		d := t.Sub(at[0].Add(time.Duration(k) * step))
		off[k] = max(d, -d)
	}
	sort.Slice(off, func(i, j int) bool { return off[i] < off[j] })
	return jitter{p50: Percentile(off, 50), p99: Percentile(off, 99), max: off[len(off)-1]}
}

func byStatus(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, c[k])
	}
	return strings.Join(parts, ", ")
}
