package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, ms(i))
	}
	for _, c := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{ms(7)}, 1, ms(7)},
		{[]time.Duration{ms(7)}, 100, ms(7)},
		{hundred, 50, ms(50)},
		{hundred, 95, ms(95)},
		{hundred, 99, ms(99)},
		{hundred, 99.5, ms(100)},
		{hundred, 100, ms(100)},
		{hundred, 0, ms(1)},
		// Nearest rank: p50 of 1..4 is 2 (not the 2.5 interpolation would give).
		{[]time.Duration{ms(1), ms(2), ms(3), ms(4)}, 50, ms(2)},
		{[]time.Duration{ms(1), ms(2), ms(3), ms(4)}, 51, ms(3)},
	} {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("Percentile(%d samples, %v) = %v, want %v", len(c.sorted), c.p, got, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	if s := Summarize(nil); s != (Summary{}) {
		t.Fatalf("empty summary = %+v", s)
	}
	// Samples 1..1000 ms, out of order.
	var samples []time.Duration
	for g := range 4 {
		for i := 1000 - g; i > 0; i -= 4 {
			samples = append(samples, time.Duration(i)*time.Millisecond)
		}
	}
	s := Summarize(samples)
	want := Summary{N: 1000, Min: time.Millisecond, Mean: 500500 * time.Microsecond,
		P50: 500 * time.Millisecond, P90: 900 * time.Millisecond, P95: 950 * time.Millisecond,
		P99: 990 * time.Millisecond, Max: time.Second}
	if s != want {
		t.Fatalf("summary = %+v\nwant      %+v", s, want)
	}
	// Summarize must not reorder the caller's samples.
	d := []time.Duration{3, 1, 2}
	Summarize(d)
	if d[0] != 3 || d[1] != 1 || d[2] != 2 {
		t.Fatalf("Summarize sorted its input: %v", d)
	}
}
