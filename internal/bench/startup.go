package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"charla/internal/app"
)

// StartupOptions configure `charla bench startup`.
type StartupOptions struct {
	DB      string // "sqlite" or a postgres:// URL
	DataDir string // existing data dir to start on ("" = seed a fresh one)
	Binary  string // charla binary ("" = go build ./cmd/charla)
	Runs    int
	Idle    time.Duration
	// Size of the database seeded when DataDir is "".
	Conversations, Messages int
}

const (
	targetReady = time.Second
	targetRSS   = 60 << 20
)

// Startup times `charla serve` from exec until /readyz answers 200, and reads
// its resident memory once it has idled, on an existing database with data.
func Startup(ctx context.Context, w io.Writer, o StartupOptions) error {
	if o.Runs < 1 {
		return errors.New("--runs must be positive")
	}
	bin := o.Binary
	if bin == "" {
		dir, err := os.MkdirTemp("", "charla-bench-bin-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "charla")
		st := time.Now()
		if err := buildCharla(ctx, bin); err != nil {
			return err
		}
		fmt.Fprintf(w, "built %s in %.1f s\n", bin, time.Since(st).Seconds())
	}

	dataDir, dbURL, label := o.DataDir, "", "sqlite ("+filepath.Join(o.DataDir, "charla.db")+")"
	if o.DB != "" && o.DB != "sqlite" {
		dbURL, label = o.DB, "postgres ("+o.DB+")"
	}
	if dataDir == "" {
		t, err := newTarget(ctx, o.DB, false)
		if err != nil {
			return err
		}
		defer t.Close()
		dataDir, dbURL, label = t.DataDir, t.URL, t.Label
		printHeader(w, "startup", label)
		s, err := t.open(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "preparing the database: %d conversations, %d messages\n\n", o.Conversations, o.Messages)
		_, err = seed(ctx, w, s, o.Conversations, o.Messages)
		if cerr := app.Close(s); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	} else {
		printHeader(w, "startup", label)
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "charla.db")); err == nil && dbURL == "" {
		fmt.Fprintf(w, "database file: %.0f MB\n", float64(fi.Size())/1e6)
	}

	var t table
	t.row("run", "ready (ms)", "VmRSS (MB)", "VmHWM (MB)")
	var readies []time.Duration
	var rsses []int64
	for i := range o.Runs {
		r, err := startOnce(ctx, bin, dataDir, dbURL, o.Idle)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		readies, rsses = append(readies, r.ready), append(rsses, r.rss)
		t.row(i+1, ms(r.ready), mb(r.rss), mb(r.hwm))
	}
	slices.Sort(readies)
	slices.Sort(rsses)
	medReady, medRSS := readies[(len(readies)-1)/2], rsses[(len(rsses)-1)/2]
	t.row("median", ms(medReady), mb(medRSS), "")
	fmt.Fprintf(w, "each run: exec `charla serve`, poll GET /readyz every 2 ms until 200, idle %s, read /proc/<pid>/status, SIGTERM\n\n", o.Idle)
	t.print(w)
	fmt.Fprintf(w, "target: ready < %s: %s (median %s ms); idle RSS < %d MB: %s (median %s MB)\n\n",
		targetReady, verdict(medReady < targetReady), ms(medReady), targetRSS>>20, verdict(medRSS < targetRSS), mb(medRSS))
	return nil
}

func mb(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

// buildCharla builds the binary as a release would be built, from the module
// this bench runs in (go env GOMOD locates it from the working directory).
func buildCharla(ctx context.Context, out string) error {
	mod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	root := filepath.Dir(strings.TrimSpace(string(mod)))
	if err != nil || root == "" || root == "." || strings.TrimSpace(string(mod)) == os.DevNull {
		return errors.New("run bench startup inside the charla module, or pass --binary")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/charla")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, stderr.String())
	}
	return nil
}

type startResult struct {
	ready    time.Duration
	rss, hwm int64
}

func startOnce(ctx context.Context, bin, dataDir, dbURL string, idle time.Duration) (startResult, error) {
	addr, err := freeAddr()
	if err != nil {
		return startResult{}, err
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "CHARLA_DATA_DIR="+dataDir, "DATABASE_URL="+dbURL, "CHARLA_ADDR="+addr,
		"CHARLA_BASE_URL=http://"+addr, "CHARLA_LOG_FORMAT=json")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	client := &http.Client{Timeout: 500 * time.Millisecond}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return startResult{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	var res startResult
	for {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				res.ready = time.Since(start)
				break
			}
		}
		select {
		case err := <-exited:
			return res, fmt.Errorf("charla serve exited before ready (%v):\n%s", err, logs.String())
		case <-ctx.Done():
			stop()
			return res, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Since(start) > 30*time.Second {
			stop()
			return res, fmt.Errorf("not ready after 30 s:\n%s", logs.String())
		}
	}
	client.CloseIdleConnections()
	time.Sleep(idle)
	res.rss, res.hwm, err = procMem(cmd.Process.Pid)
	stop()
	return res, err
}

// procMem reads resident (VmRSS) and peak resident (VmHWM) bytes of pid.
func procMem(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			hwm = n << 10
		}
	}
	return rss, hwm, nil
}

// freeAddr picks a loopback port that is free now; the child binds it a moment later.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
