package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/store/storetest"
)

// TestTxGroupIsolatesFailures sends many concurrent writes through the group
// writer: every third fails (half of those on a unique violation, which on
// PostgreSQL poisons the transaction until its savepoint is rolled back).
// Exactly the others must be stored, and only their hooks run.
func TestTxGroupIsolatesFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		err := d.Tx(ctx, func(tx *store.Tx) error {
			return tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: "taken", Name: "x", CreatedAt: store.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		const n = 300
		boom := errors.New("boom")
		var hooks atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = d.TxGroup(ctx, func(ctx context.Context, tx *store.Tx) error {
					id := fmt.Sprintf("w%03d", i)
					if i%6 == 0 {
						id = "taken"
					}
					if err := tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: id, Name: id, CreatedAt: store.Now()}); err != nil {
						return err
					}
					if i%6 == 3 {
						return boom // after a write: the write must be undone
					}
					tx.AfterCommit(func() { hooks.Add(1) })
					return nil
				})
			}()
		}
		wg.Wait()
		want := 0
		for i, err := range errs {
			switch {
			case i%6 == 0:
				if !store.IsUniqueViolation(err) {
					t.Fatalf("write %d: %v, want a unique violation", i, err)
				}
			case i%6 == 3:
				if !errors.Is(err, boom) {
					t.Fatalf("write %d: %v, want boom", i, err)
				}
			default:
				if err != nil {
					t.Fatalf("write %d failed: %v", i, err)
				}
				want++
			}
		}
		got, err := d.Q.CountWorkspaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if int(got) != want+1 || int(hooks.Load()) != want {
			t.Fatalf("stored %d workspaces and ran %d hooks; want %d and %d", got, hooks.Load(), want+1, want)
		}
	})
}

func TestTxGroupAfterClose(t *testing.T) {
	d := storetest.Open(t, store.SQLite)
	if err := d.TxGroup(context.Background(), func(context.Context, *store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	d.Close()
	err := d.TxGroup(context.Background(), func(context.Context, *store.Tx) error { return nil })
	if !errors.Is(err, store.ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

// TestTxGroupRerunsOnlyFailedBatches checks the plain-then-isolated scheme:
// without failures every caller runs once; a failure makes its batch run
// again, yet the writes of a caller that ran twice commit once.
func TestTxGroupRerunsOnlyFailedBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		run := func(n int, fail func(i int) bool) (runs []int, errs []error) {
			runs, errs = make([]int, n), make([]error, n)
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = d.TxGroup(ctx, func(ctx context.Context, tx *store.Tx) error {
						mu.Lock()
						runs[i]++
						mu.Unlock()
						if fail(i) {
							return errors.New("refused")
						}
						id := fmt.Sprintf("r%d-%03d", n, i)
						return tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: id, Name: id, CreatedAt: store.Now()})
					})
				}()
			}
			wg.Wait()
			return runs, errs
		}

		runs, errs := run(200, func(int) bool { return false })
		for i := range runs {
			if runs[i] != 1 || errs[i] != nil {
				t.Fatalf("caller %d ran %d times (%v) in batches without failures", i, runs[i], errs[i])
			}
		}

		runs, errs = run(201, func(i int) bool { return i == 100 })
		for i := range runs {
			if (errs[i] != nil) != (i == 100) {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			if runs[i] > 2 {
				t.Fatalf("caller %d ran %d times", i, runs[i])
			}
		}
		if runs[100] != 2 {
			t.Fatalf("the failing caller ran %d times, want twice (plain, then isolated)", runs[100])
		}
		got, err := d.Q.CountWorkspaces(ctx)
		if err != nil || got != 200+200 {
			t.Fatalf("%d workspaces (%v), want 400: a rerun caller's write committed twice or not at all", got, err)
		}
	})
}
