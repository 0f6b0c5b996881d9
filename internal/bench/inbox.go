package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"charla/internal/app"
	"charla/internal/inbox"
)

// InboxOptions configure `charla bench inbox`.
type InboxOptions struct {
	DB            string
	Conversations int
	Messages      int
	Iterations    int
	CPUProfile    string
	Keep          bool
}

// targetRead is the p95 every inbox read must stay under, on both databases.
const targetRead = 50 * time.Millisecond

// Inbox seeds a large workspace and times the reads an agent's screen makes,
// through the inbox service (the same calls the UI and API handlers make).
func Inbox(ctx context.Context, w io.Writer, o InboxOptions) error {
	if o.Conversations < 1 || o.Messages < 0 || o.Iterations < 1 {
		return errors.New("--conversations and --iterations must be positive")
	}
	t, err := newTarget(ctx, o.DB, o.Keep)
	if err != nil {
		return err
	}
	defer t.Close()
	printHeader(w, "inbox", t.Label)
	s, err := t.open(ctx)
	if err != nil {
		return err
	}
	defer app.Close(s)
	fmt.Fprintf(w, "seeding %d conversations (one contact each) and %d messages\n\n", o.Conversations, o.Messages)
	sd, err := seed(ctx, w, s, o.Conversations, o.Messages)
	if err != nil {
		return err
	}

	// Cursors for the deep pages, found by walking as a client scrolling would.
	deep := func(f inbox.Filter, page int) (string, error) {
		cur := ""
		for range page - 1 {
			f.Cursor = cur
			p, err := s.Inbox.List(ctx, sd.owner, f)
			if err != nil || p.Next == "" {
				return cur, err
			}
			cur = p.Next
		}
		return cur, nil
	}
	openP20, err := deep(inbox.Filter{}, 20)
	if err != nil {
		return err
	}
	allP100, err := deep(inbox.Filter{Status: "all"}, 100)
	if err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(3, 4))
	list := func(f inbox.Filter) func() (int, error) {
		return func() (int, error) {
			p, err := s.Inbox.List(ctx, sd.owner, f)
			return len(p.Conversations), err
		}
	}
	ops := []struct {
		name string
		fn   func() (int, error)
	}{
		{"list open, page 1", list(inbox.Filter{})},
		{"list all statuses, page 1", list(inbox.Filter{Status: "all"})},
		{"list open, mine", list(inbox.Filter{Assignee: "me"})},
		{"list open, unassigned", list(inbox.Filter{Assignee: "unassigned"})},
		{"list open, page 20 (cursor)", list(inbox.Filter{Cursor: openP20})},
		{"list all, page 100 (cursor)", list(inbox.Filter{Status: "all", Cursor: allP100})},
		{"open conversation: Get + Messages p1", func() (int, error) {
			// A random conversation each time: most are cold, as history is.
			id := sd.convIDs[rng.IntN(len(sd.convIDs))]
			if _, err := s.Inbox.Get(ctx, sd.owner.WorkspaceID, id); err != nil {
				return 0, err
			}
			p, err := s.Inbox.Messages(ctx, sd.owner.WorkspaceID, id, "", 50)
			return len(p.Messages), err
		}},
	}

	stopProfile, err := Profile(o.CPUProfile)
	if err != nil {
		return err
	}
	var res table
	res.row("operation (ms)", "rows/call", "n", "p50", "p95", "p99", "max", "p95 < 50 ms")
	allPass := true
	for _, op := range ops {
		// A few untimed calls first: the first call prepares statements and
		// warms caches a running server would already have warm.
		for range 5 {
			if _, err := op.fn(); err != nil {
				stopProfile()
				return fmt.Errorf("%s: %w", op.name, err)
			}
		}
		rows := 0
		d := make([]time.Duration, 0, o.Iterations)
		for range o.Iterations {
			st := time.Now()
			n, err := op.fn()
			if err != nil {
				stopProfile()
				return fmt.Errorf("%s: %w", op.name, err)
			}
			d = append(d, time.Since(st))
			rows += n
		}
		sum := Summarize(d)
		pass := sum.P95 < targetRead
		allPass = allPass && pass
		res.row(op.name, fmt.Sprintf("%.1f", float64(rows)/float64(o.Iterations)), sum.N, ms(sum.P50), ms(sum.P95), ms(sum.P99), ms(sum.Max), verdict(pass))
	}
	stopProfile()
	fmt.Fprintf(w, "workspace: %d conversations (%d open), %d messages, 10 users, 3 channels; actor = owner\n", o.Conversations, sd.open, o.Messages)
	fmt.Fprintf(w, "each operation: 5 untimed warm-up calls, then %d timed sequential calls; rows/call = rows returned, on average\n\n", o.Iterations)
	res.print(w)
	fmt.Fprintf(w, "target: p95 < %s for every operation: %s (seeding took %.1f s)\n\n", targetRead, verdict(allPass), sd.took.Seconds())
	t.describeKept(w)
	return nil
}
