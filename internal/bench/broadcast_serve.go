package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"charla/internal/broadcast"
	"charla/internal/emulator"
	"charla/internal/store"
)

// serveProc is a `charla serve` child process and what was sampled of it.
type serveProc struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan error
	start   time.Time
	cpu0    float64

	mu          sync.Mutex
	peakRSS     int64
	stopSampler chan struct{}
	sampled     chan struct{}
}

// startServe runs `charla serve` on t's database and data dir, listening on
// addr, and samples its resident memory every 250 ms.
func startServe(bin string, t *target, addr, cpuProfile string) (*serveProc, error) {
	p := &serveProc{logPath: filepath.Join(t.DataDir, "serve.log"), exited: make(chan error, 1),
		stopSampler: make(chan struct{}), sampled: make(chan struct{})}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(bin, "serve")
	if cpuProfile != "" {
		p.cmd.Args = append(p.cmd.Args, "--cpuprofile", cpuProfile)
	}
	p.cmd.Env = append(os.Environ(), "CHARLA_DATA_DIR="+t.DataDir, "DATABASE_URL="+t.URL, "CHARLA_ADDR="+addr,
		"CHARLA_BASE_URL=http://"+addr, "CHARLA_LOG_FORMAT=text")
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() { p.exited <- p.cmd.Wait(); logf.Close() }()
	go p.sample()
	return p, nil
}

func (p *serveProc) sample() {
	defer close(p.sampled)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if rss, _, err := procMem(p.cmd.Process.Pid); err == nil {
			p.mu.Lock()
			p.peakRSS = max(p.peakRSS, rss)
			p.mu.Unlock()
		}
		select {
		case <-p.stopSampler:
			return
		case <-tick.C:
		}
	}
}

// cpu is the child's CPU seconds so far.
func (p *serveProc) cpu() float64 { return procCPU(p.cmd.Process.Pid) }

// stop ends sampling and the process (SIGTERM, then SIGKILL after 10 s).
func (p *serveProc) stop() {
	select {
	case <-p.stopSampler:
		return // stopped already
	default:
	}
	close(p.stopSampler)
	<-p.sampled
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *serveProc) peak() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peakRSS
}

// broadcastRun is what followBroadcast saw of the run.
type broadcastRun struct {
	start, audienceDone, completed time.Time
	// cpu is the server's CPU seconds from start to completion; peakRSS
	// its highest sampled resident memory; benchRSS the bench process's
	// own peak (emulator and load), for comparison.
	cpu float64
	// sending is the server's CPU seconds from its first send to completion
	// (start-up and the audience's first batch left out), over sentDuring
	// messages.
	sending           float64
	sentDuring        int
	peakRSS, benchRSS int64
	jitter            jitter
}

// followBroadcast waits for every recipient to reach the provider and the
// broadcast to complete, noting when its audience was written.
func followBroadcast(ctx context.Context, d *store.DB, emu *emulator.Emulator, srv *serveProc, id string, o BroadcastOptions) (run broadcastRun, err error) {
	run.start = srv.start
	defer func() { run.peakRSS = srv.peak() }()
	// Generous: a machine too slow for the rate still shows how far it got.
	expected := time.Duration(float64(o.Recipients) / o.Rate * float64(time.Second))
	deadline := run.start.Add(5*expected + 5*time.Minute)
	cpuFirst, sentFirst := -1.0, 0
	defer func() {
		if cpuFirst >= 0 {
			run.sending, run.sentDuring = run.cpu-cpuFirst, emu.SentCount()-sentFirst
		}
	}()
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if cpuFirst < 0 && emu.SentCount() > 0 {
			cpuFirst, sentFirst = srv.cpu(), emu.SentCount()
		}
		select {
		case err := <-srv.exited:
			return run, fmt.Errorf("charla serve exited: %v", err)
		default:
		}
		var status, reason string
		var complete bool
		err = d.R.QueryRowContext(ctx, "SELECT status, pause_reason, materialized FROM broadcasts WHERE id = $1", id).
			Scan(&status, &reason, &complete)
		if err != nil {
			return run, err
		}
		if run.audienceDone.IsZero() && complete {
			run.audienceDone = time.Now()
		}
		if status == broadcast.Completed && emu.SentCount() >= o.Recipients {
			run.completed, run.cpu, run.peakRSS = time.Now(), srv.cpu(), srv.peak()
			return run, nil
		}
		if status == broadcast.Paused || status == broadcast.Cancelled {
			return run, fmt.Errorf("the broadcast is %s: %s", status, reason)
		}
		time.Sleep(200 * time.Millisecond)
	}
	run.cpu = srv.cpu()
	if err := ctx.Err(); err != nil {
		return run, err
	}
	return run, fmt.Errorf("not complete after %s: the provider has %d of %d", time.Since(run.start).Round(time.Second), emu.SentCount(), o.Recipients)
}

// finalCounts reads the broadcast's recipients by status.
func finalCounts(ctx context.Context, d *store.DB, id string) (map[string]int, error) {
	rows, err := d.R.QueryContext(ctx, "SELECT status, COUNT(*) FROM broadcast_recipients WHERE broadcast_id = $1 GROUP BY status", id)
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

// recipientMessages are the ids of the messages the broadcast queued.
func recipientMessages(ctx context.Context, d *store.DB, id string) ([]string, error) {
	rows, err := d.R.QueryContext(ctx, "SELECT message_id FROM broadcast_recipients WHERE broadcast_id = $1 AND message_id IS NOT NULL", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		ids = append(ids, m)
	}
	return ids, rows.Err()
}

// sendTimes are when the provider accepted the messages with these ids.
func sendTimes(sent []emulator.SentMessage, ids []string) []time.Time {
	ours := make(map[string]bool, len(ids))
	for _, id := range ids {
		ours[id] = true
	}
	at := make([]time.Time, 0, len(ids))
	for _, m := range sent {
		if ours[m.CallbackData] {
			at = append(at, m.At)
		}
	}
	return at
}

// procCPU is a process's user+system CPU seconds (0 off Linux).
func procCPU(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// procKB reads a "kB" field of /proc/self/status (0 off Linux).
func procKB(key string) int64 {
	v := strings.TrimSuffix(procField("/proc/self/status", key), " kB")
	var kb int64
	_, _ = fmt.Sscan(v, &kb)
	return kb
}
