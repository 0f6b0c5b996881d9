package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"charla/internal/api"
	"charla/internal/channel/wa"
	"charla/internal/channel/webchat"
	"charla/internal/core"
	"charla/internal/web"
)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "charla_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
	}, []string{"route", "method", "code"})
	latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "charla_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
)

func init() { prometheus.MustRegister(requests, latency) }

// Handler is every route charla serves.
func Handler(s *core.Services) http.Handler {
	r := chi.NewRouter()
	if s.Config.TrustProxy {
		r.Use(middleware.RealIP)
	}
	r.Use(middleware.Recoverer, measure)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	r.Get("/readyz", ready(s))
	r.Handle("/metrics", promhttp.Handler())
	r.Route("/api/v1", func(r chi.Router) { api.Routes(r, s) })
	webchat.Routes(r, s)
	(&wa.Webhooks{Channels: s.Channels, Inbox: s.Inbox, Templates: s.Templates, Log: s.Log}).Routes(r)
	web.Routes(r, s)
	return r
}

// ready answers 200 only when the database answers and is fully migrated.
func ready(s *core.Services) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.DB.W.PingContext(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		if ok, err := s.DB.Migrated(ctx); err != nil || !ok {
			http.Error(w, "database not migrated", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	}
}

// measure records each request under its route pattern (not its path, which
// would give every conversation id its own series).
func measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		code := ww.Status()
		if code == 0 {
			code = http.StatusOK
		}
		requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
		latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// Serve answers on ln until ctx ends, then shuts down gracefully: no new
// connections, in-flight requests finish (their writes commit regardless),
// and realtime streams are ended by closing the bus.
func Serve(ctx context.Context, s *core.Services, ln net.Listener) error {
	srv := &http.Server{
		Handler:           Handler(s),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	srv.RegisterOnShutdown(func() { _ = s.Bus.Close() })
	go housekeep(ctx, s, 30*time.Second)
	if err := s.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Requests finish first (they may enqueue jobs), then running jobs.
		err := srv.Shutdown(sctx)
		done <- errors.Join(err, s.Jobs.Stop(sctx))
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-done
}
