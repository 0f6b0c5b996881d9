package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"charla/internal/app"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/core"
)

// Credentials the WhatsApp benchmarks give their channel (and the emulator).
const (
	benchAppSecret   = "bench-app-secret"
	benchAccessToken = "bench-access-token"
	// The emulator's default number, used by whatsapp-in too so its
	// envelopes look like the emulator's.
	benchPhoneNumberID = "106540352242922"
	benchWABAID        = "102290129340398"
	benchDisplayNumber = "15550783881"
)

// DBFlag picks the database from --postgres (if given) or --db.
func DBFlag(db, postgres string) string {
	if postgres != "" {
		return postgres
	}
	return db
}

// onPostgres tells whether a --db value names PostgreSQL.
func onPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// serveCharla runs charla's full handler (app.Handler, as `charla serve`
// mounts it) on a loopback listener. With startJobs it is app.Serve itself;
// without, jobs are left for the caller to start (whatsapp-out fills its
// queue first), and are stopped by app.Close.
func serveCharla(s *core.Services, startJobs bool) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	base = "http://" + ln.Addr().String()
	served := make(chan error, 1)
	if startJobs {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { served <- app.Serve(ctx, s, ln) }()
		return base, func() { cancel(); <-served }, nil
	}
	srv := &http.Server{Handler: app.Handler(s), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { served <- srv.Serve(ln) }()
	return base, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	}, nil
}

// createWhatsAppChannel makes the whatsapp_cloud channel the benchmarks
// load; graphURL is where it sends (the emulator), rate its rate_limit (0:
// the type's default).
func createWhatsAppChannel(ctx context.Context, s *core.Services, ws, graphURL string, rate float64) (channel.Channel, error) {
	settings := map[string]any{"phone_number_id": benchPhoneNumberID, "waba_id": benchWABAID}
	if graphURL != "" {
		settings["graph_url"] = graphURL
	}
	if rate > 0 {
		settings["rate_limit"] = rate
	}
	raw, _ := json.Marshal(settings)
	ch, err := s.Channels.Create(ctx, ws, wa.CloudType, "Bench WhatsApp", raw,
		map[string]string{"access_token": benchAccessToken, "app_secret": benchAppSecret})
	if err != nil {
		return ch, fmt.Errorf("create whatsapp_cloud channel: %w", err)
	}
	return ch, nil
}

// senderWaID is the wa_id of the i-th simulated customer: distinct valid
// Brazilian mobile numbers (55 11 9xxxx-xxxx), so contacts get an E.164 phone.
func senderWaID(i int) string {
	return "551191" + fmt.Sprintf("%07d", i)
}

// cpuSeconds is this process's user+system CPU time so far (0 off Linux):
// server and load generator together, since both run here.
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields after ")" are fixed.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	const ticks = 100 // USER_HZ on Linux
	return (utime + stime) / ticks
}

// errFirst keeps the first error reported by concurrent workers.
type errFirst struct {
	ch chan error
}

func newErrFirst() *errFirst { return &errFirst{ch: make(chan error, 1)} }

func (e *errFirst) set(err error) {
	if err == nil {
		return
	}
	select {
	case e.ch <- err:
	default:
	}
}

func (e *errFirst) err() error {
	select {
	case err := <-e.ch:
		return err
	default:
		return nil
	}
}
