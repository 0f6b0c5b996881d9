package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

// waitFor bounds every wait on a channel, so a broken test fails instead of hanging.
const waitFor = 30 * time.Second

type noteArgs struct {
	ID string `json:"id"`
}

func (noteArgs) Kind() string { return "test_note" }

// noteWorker reports each job it runs.
type noteWorker struct {
	river.WorkerDefaults[noteArgs]
	ran chan string
}

func (w *noteWorker) Work(ctx context.Context, job *river.Job[noteArgs]) error {
	w.ran <- job.Args.ID
	return nil
}

func newNoteWorker() *noteWorker { return &noteWorker{ran: make(chan string, 100)} }

// newJobs builds Jobs on d with the workers register adds, stopped at the end of the test.
func newJobs(t testing.TB, d *store.DB, register func(j *Jobs)) *Jobs {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	j, err := New(context.Background(), d, Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	register(j)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		if err := j.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return j
}

func start(t testing.TB, j *Jobs) {
	t.Helper()
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitFor):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func countJobs(t testing.TB, d *store.DB, kind string) int {
	t.Helper()
	var n int
	if err := d.R.QueryRowContext(context.Background(), "SELECT count(*) FROM river_job WHERE kind = $1", kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var errRollback = errors.New("roll back")

func TestInsertTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		w := newNoteWorker()
		j := newJobs(t, d, func(j *Jobs) { Register(j, w) })
		start(t, j)

		err := d.Tx(ctx, func(tx *store.Tx) error {
			if err := j.InsertTx(ctx, tx, noteArgs{ID: "rolled-back"}, nil); err != nil {
				return err
			}
			// The job is in this transaction, not in one of its own.
			var n int
			if err := tx.X.QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'test_note'").Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("jobs seen inside the transaction = %d, want 1", n)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("tx = %v, want the rollback", err)
		}
		if err := d.Tx(ctx, func(tx *store.Tx) error {
			return j.InsertTx(ctx, tx, noteArgs{ID: "committed"}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		if err := j.Insert(ctx, noteArgs{ID: "inserted"}, nil); err != nil {
			t.Fatal(err)
		}

		got := map[string]int{}
		for range 2 {
			got[receive(t, w.ran, "the committed jobs")]++
		}
		stop(t, j)
		close(w.ran)
		for id := range w.ran {
			got[id]++
		}
		if want := map[string]int{"committed": 1, "inserted": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("jobs run = %v, want %v", got, want)
		}
		if n := countJobs(t, d, "test_note"); n != 2 {
			t.Errorf("jobs stored = %d, want 2 (the rolled-back one never existed)", n)
		}
	})
}

// TxGroup runs each caller in a savepoint of a shared transaction: a job
// follows its own caller's fate.
func TestInsertInTxGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		w := newNoteWorker()
		j := newJobs(t, d, func(j *Jobs) { Register(j, w) })
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []string{"fails", "commits"} {
			wg.Go(func() {
				errs[i] = d.TxGroup(context.Background(), func(ctx context.Context, tx *store.Tx) error {
					if err := j.InsertTx(ctx, tx, noteArgs{ID: id}, nil); err != nil {
						return err
					}
					if id == "fails" {
						return errRollback
					}
					return nil
				})
			})
		}
		wg.Wait()
		if !errors.Is(errs[0], errRollback) || errs[1] != nil {
			t.Fatalf("TxGroup = %v, %v; want the rollback, then nil", errs[0], errs[1])
		}
		if n := countJobs(t, d, "test_note"); n != 1 {
			t.Fatalf("jobs stored = %d, want 1", n)
		}
		start(t, j)
		if id := receive(t, w.ran, "the job"); id != "commits" {
			t.Errorf("ran %q, want the committed job", id)
		}
	})
}

func stop(t testing.TB, j *Jobs) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := j.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestUniqueByArgs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		w := newNoteWorker()
		j := newJobs(t, d, func(j *Jobs) { Register(j, w) })
		unique := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}

		// Twice in one transaction, then again in another, then a different message.
		if err := d.Tx(ctx, func(tx *store.Tx) error {
			return errors.Join(
				j.InsertTx(ctx, tx, noteArgs{ID: "m1"}, unique),
				j.InsertTx(ctx, tx, noteArgs{ID: "m1"}, unique))
		}); err != nil {
			t.Fatal(err)
		}
		if err := d.Tx(ctx, func(tx *store.Tx) error {
			return j.InsertManyTx(ctx, tx, []river.InsertManyParams{
				{Args: noteArgs{ID: "m1"}, InsertOpts: unique},
				{Args: noteArgs{ID: "m2"}, InsertOpts: unique},
			})
		}); err != nil {
			t.Fatal(err)
		}
		if n := countJobs(t, d, "test_note"); n != 2 {
			t.Fatalf("jobs stored = %d, want 2", n)
		}

		start(t, j)
		got := map[string]bool{}
		for range 2 {
			got[receive(t, w.ran, "the jobs")] = true
		}
		// A completed job still blocks a duplicate.
		if err := j.Insert(ctx, noteArgs{ID: "m1"}, unique); err != nil {
			t.Fatal(err)
		}
		stop(t, j)
		if !got["m1"] || !got["m2"] || len(w.ran) != 0 {
			t.Errorf("ran %v and %d more, want m1 and m2 once each", got, len(w.ran))
		}
		if n := countJobs(t, d, "test_note"); n != 2 {
			t.Errorf("jobs stored = %d, want 2", n)
		}
	})
}

type tickArgs struct{}

func (tickArgs) Kind() string { return "test_tick" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	ran chan struct{}
}

func (w *tickWorker) Work(ctx context.Context, job *river.Job[tickArgs]) error {
	w.ran <- struct{}{}
	return nil
}

func TestPeriodicRunsOnStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		w := &tickWorker{ran: make(chan struct{}, 10)}
		j := newJobs(t, d, func(j *Jobs) {
			Register(j, w)
			j.Periodic(time.Hour, tickArgs{})
		})
		start(t, j)
		receive(t, w.ran, "the periodic job")
	})
}

type flakyArgs struct{}

func (flakyArgs) Kind() string { return "test_flaky" }

// flakyWorker fails its first attempt, keeping River's default retry policy.
type flakyWorker struct {
	river.WorkerDefaults[flakyArgs]
	attempts chan int
}

func (w *flakyWorker) Work(ctx context.Context, job *river.Job[flakyArgs]) error {
	w.attempts <- job.Attempt
	if job.Attempt == 1 {
		return errors.New("transient failure")
	}
	return nil
}

func TestFailedJobIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		w := &flakyWorker{attempts: make(chan int, 10)}
		j := newJobs(t, d, func(j *Jobs) { Register(j, w) })
		start(t, j)
		if err := j.Insert(context.Background(), flakyArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		if a := receive(t, w.attempts, "the first attempt"); a != 1 {
			t.Fatalf("attempt = %d, want 1", a)
		}
		// The default policy retries the first failure about a second later.
		if a := receive(t, w.attempts, "the retry"); a != 2 {
			t.Fatalf("attempt = %d, want 2", a)
		}
	})
}

type blockArgs struct{}

func (blockArgs) Kind() string { return "test_block" }

// blockWorker runs until released, or until its context ends when ignoreRelease.
type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	started  chan struct{}
	release  chan struct{}
	finished atomic.Bool
	ctxErr   chan error
}

func (w *blockWorker) Work(ctx context.Context, job *river.Job[blockArgs]) error {
	close(w.started)
	select {
	case <-w.release:
		w.finished.Store(true)
		return nil
	case <-ctx.Done():
		w.ctxErr <- ctx.Err()
		return ctx.Err()
	}
}

func newBlockWorker() *blockWorker {
	return &blockWorker{started: make(chan struct{}), release: make(chan struct{}), ctxErr: make(chan error, 1)}
}

// stopCtx is a context that tells when something first waits on it, which
// is how the test knows Stop is waiting without sleeping.
type stopCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *stopCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

func TestStopWaitsForRunningJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		w := newBlockWorker()
		j := newJobs(t, d, func(j *Jobs) { Register(j, w) })
		start(t, j)
		if err := j.Insert(context.Background(), blockArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		receive(t, w.started, "the job to start")

		ctx := &stopCtx{Context: context.Background(), waiting: make(chan struct{})}
		stopped := make(chan error, 1)
		go func() { stopped <- j.Stop(ctx) }()
		receive(t, ctx.waiting, "Stop to wait")
		close(w.release)
		if err := receive(t, stopped, "Stop to return"); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if !w.finished.Load() {
			t.Fatal("Stop returned before the running job finished")
		}
		var state string
		if err := d.R.QueryRow("SELECT state FROM river_job WHERE kind = 'test_block'").Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state != "completed" {
			t.Errorf("job state after Stop = %q, want completed", state)
		}
	})
}

func TestStopCancelsJobsWhenCtxEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		w := newBlockWorker()
		j := newJobs(t, d, func(j *Jobs) { Register(j, w) })
		start(t, j)
		if err := j.Insert(context.Background(), blockArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		receive(t, w.started, "the job to start")

		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no grace period at all
		if err := j.Stop(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("stop = %v, want context.Canceled", err)
		}
		if err := receive(t, w.ctxErr, "the job's context to end"); err == nil {
			t.Fatal("job context ended without an error")
		}
	})
}
