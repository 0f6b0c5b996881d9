package bench

import (
	"fmt"
	"testing"
	"time"

	"charla/internal/emulator"
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

func TestAnalyzeSends(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var sent []emulator.SentMessage
	var ids []string
	for i := range 31 { // 10/s for 3 s, the fifth send 30 ms late
		id := fmt.Sprint("m", i)
		ids = append(ids, id)
		at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		if i == 5 {
			at = at.Add(30 * time.Millisecond)
		}
		sent = append(sent, emulator.SentMessage{CallbackData: id, At: at})
	}
	sent = append(sent, emulator.SentMessage{CallbackData: "m7", At: t0.Add(3 * time.Second)}) // sent twice
	ids = append(ids, "never-sent")
	r := analyzeSends(sent, ids, 10)
	if r.n != 32 || r.distinct != 31 || r.dups != 1 || r.missing != 1 || r.foreign != 0 {
		t.Fatalf("counts: %+v", r)
	}
	if r.overall < 10.3 || r.overall > 10.4 { // 31 intervals in 3 s
		t.Errorf("overall %.2f", r.overall)
	}
	// [530 ms, 1530 ms) holds the late send and ten on time.
	if r.minWin != 10 || r.maxWin != 11 {
		t.Errorf("windows %d..%d", r.minWin, r.maxWin)
	}
	// The late send is 30 ms behind; the duplicate, 32nd, is 100 ms ahead of a 3.1 s slot.
	if r.offMax != 30*time.Millisecond || r.offMin != -100*time.Millisecond {
		t.Errorf("offsets %s..%s", r.offMin, r.offMax)
	}
}
