package bench

import (
	"testing"

	"charla/internal/store"
)

// The end-to-end join relies on reading a request's number back from the stored body.
func TestBodySequence(t *testing.T) {
	for _, seq := range []int64{0, 7, 123456789} {
		if got, ok := seqOf(body(seq)); !ok || got != seq {
			t.Errorf("seqOf(body(%d)) = %d, %v", seq, got, ok)
		}
	}
	for _, b := range []string{"hello, first message", "bench-x hi", ""} {
		if _, ok := seqOf(b); ok {
			t.Errorf("seqOf(%q) matched", b)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	if got, want := placeholders(store.Postgres, 2, 2), "($1, $2), ($3, $4)"; got != want {
		t.Errorf("postgres: %q, want %q", got, want)
	}
	if got, want := placeholders(store.SQLite, 3, 1), "(?, ?, ?)"; got != want {
		t.Errorf("sqlite: %q, want %q", got, want)
	}
}
