// Package bench measures charla end to end on this machine: web chat and
// WhatsApp message ingestion over real HTTP, the WhatsApp send pipeline
// against the emulator, inbox reads on a large seeded database, and
// `charla serve` start-up. `charla bench …` runs it; docs/benchmarks.md has
// the results and how to read them.
package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for creating and dropping schemas

	"charla/internal/app"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/store"
)

// target is a fresh, empty database a benchmark owns: a SQLite file in a
// temporary data dir, or a new PostgreSQL schema selected by search_path (as
// storetest does), so a run never touches anyone's data.
type target struct {
	Label   string // what the report calls the database
	URL     string // DATABASE_URL ("" for SQLite in DataDir)
	DataDir string // CHARLA_DATA_DIR: SQLite file, secret key, attachments
	schema  string
	base    string
	keep    bool
}

// newTarget makes a fresh database: db is "sqlite" (or "") or a postgres:// URL.
// keep leaves it in place after the run (and prints where) so another
// benchmark, e.g. startup, can reuse a seeded database.
func newTarget(ctx context.Context, db string, keep bool) (*target, error) {
	dir, err := os.MkdirTemp("", "charla-bench-*")
	if err != nil {
		return nil, err
	}
	t := &target{DataDir: dir, keep: keep}
	switch {
	case db == "" || db == "sqlite":
		t.Label = "sqlite (" + filepath.Join(dir, "charla.db") + ")"
		return t, nil
	case strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://"):
	default:
		os.RemoveAll(dir)
		return nil, fmt.Errorf("--db must be sqlite or a postgres:// URL, got %q", db)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	t.schema, t.base = "bench_"+hex.EncodeToString(b[:]), db
	admin, err := sql.Open("pgx", db)
	if err == nil {
		defer admin.Close()
		_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+t.schema)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("create benchmark schema: %w", err)
	}
	u, err := url.Parse(db)
	if err != nil {
		t.Close()
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", t.schema)
	u.RawQuery = q.Encode()
	t.URL = u.String()
	t.Label = "postgres (schema " + t.schema + ")"
	return t, nil
}

// Close drops the database unless it is kept.
func (t *target) Close() {
	if t.keep {
		return
	}
	if t.schema != "" {
		if a, err := sql.Open("pgx", t.base); err == nil {
			_, _ = a.Exec("DROP SCHEMA " + t.schema + " CASCADE")
			a.Close()
		}
	}
	os.RemoveAll(t.DataDir)
}

// describeKept tells the user how to reuse a kept database.
func (t *target) describeKept(w io.Writer) {
	if !t.keep {
		return
	}
	fmt.Fprintf(w, "kept the database: CHARLA_DATA_DIR=%s", t.DataDir)
	if t.URL != "" {
		fmt.Fprintf(w, " DATABASE_URL='%s'", t.URL)
	}
	fmt.Fprintf(w, "\n(reuse it with: charla bench startup --data-dir %s", t.DataDir)
	if t.URL != "" {
		fmt.Fprintf(w, " --db '%s'", t.URL)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintln(w)
}

// config is what `charla serve` would read with CHARLA_DATA_DIR and
// DATABASE_URL pointing at t.
func (t *target) config() (config.Config, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, err
	}
	cfg.DataDir, cfg.DatabaseURL, cfg.Storage = t.DataDir, t.URL, "local"
	return cfg, nil
}

// open builds every service the way `charla serve` does (migrating the database).
func (t *target) open(ctx context.Context) (*core.Services, error) {
	cfg, err := t.config()
	if err != nil {
		return nil, err
	}
	// Warnings only: info lines would interleave with the result tables.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return app.Open(ctx, cfg, log)
}

// Profile starts a CPU profile into path ("" = none) and returns its stop.
func Profile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// countMessages is the ground truth a load test is checked against.
func countMessages(ctx context.Context, d *store.DB) (total, incoming int64, err error) {
	err = d.R.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN direction = 'incoming' THEN 1 ELSE 0 END), 0) FROM messages").Scan(&total, &incoming)
	return total, incoming, err
}
