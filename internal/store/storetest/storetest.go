// Package storetest gives tests a migrated, isolated database of each dialect.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"charla/internal/store"
)

// EnvURL names the PostgreSQL server tests use when set.
const EnvURL = "CHARLA_TEST_DATABASE_URL"

// Each runs fn on SQLite, and on PostgreSQL when CHARLA_TEST_DATABASE_URL is set.
func Each(t *testing.T, fn func(t *testing.T, d *store.DB)) {
	t.Helper()
	for _, dialect := range Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			fn(t, Open(t, dialect))
		})
	}
}

// Dialects lists the databases this run tests on.
func Dialects() []store.Dialect {
	if os.Getenv(EnvURL) != "" {
		return []store.Dialect{store.SQLite, store.Postgres}
	}
	return []store.Dialect{store.SQLite}
}

// Open returns a migrated empty database closed at the end of the test.
func Open(t testing.TB, dialect store.Dialect) *store.DB {
	t.Helper()
	d, err := store.Open(context.Background(), URL(t, dialect), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// URL returns a DATABASE_URL for a fresh empty database of dialect: a new SQLite
// file, or a new PostgreSQL schema (dropped after the test) selected by search_path.
func URL(t testing.TB, dialect store.Dialect) string {
	t.Helper()
	if dialect == store.SQLite {
		return filepath.Join(t.TempDir(), "charla.db")
	}
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skip(EnvURL + " is not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
