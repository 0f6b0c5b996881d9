package main

import (
	"bytes"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

// run executes the CLI in-process with args and returns stdout and the error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	c := root()
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&bytes.Buffer{})
	c.SetArgs(args)
	err := c.Execute()
	return out.String(), err
}

func TestSetupAndToken(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Setenv("CHARLA_DATA_DIR", t.TempDir())
			t.Setenv("CHARLA_LOG_FORMAT", "text")
			t.Setenv("CHARLA_SECRET_KEY", strings.Repeat("s", 32))
			if dialect == store.Postgres {
				t.Setenv("DATABASE_URL", storetest.URL(t, dialect))
			} else {
				t.Setenv("DATABASE_URL", "")
			}
			if _, err := run(t, "migrate"); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if _, err := run(t, "setup", "--workspace", "Acme", "--email", "Owner@Acme.test", "--password", "correct horse"); err != nil {
				t.Fatalf("setup: %v", err)
			}
			_, err := run(t, "setup", "--workspace", "Again", "--email", "owner@acme.test", "--password", "correct horse")
			if err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Fatalf("second setup with the same email: %v, want a clear 'already exists' error", err)
			}
			out, err := run(t, "token", "create", "--email", "owner@acme.test", "--name", "ci")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out, "chr_") || strings.Count(out, "\n") != 1 || strings.ContainsAny(strings.TrimSpace(out), " \t") {
				t.Fatalf("token create printed %q; want the token alone on one line", out)
			}
			if _, err := run(t, "token", "create", "--email", "nobody@acme.test"); err == nil {
				t.Fatal("token for an unknown email succeeded")
			}
			if _, err := run(t, "setup", "--workspace", "X", "--email", "bad", "--password", "short"); err == nil {
				t.Fatal("setup accepted a bad email and a short password")
			}
		})
	}
}

func TestVersion(t *testing.T) {
	out, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "charla ") {
		t.Fatalf("version printed %q, %v", out, err)
	}
}
