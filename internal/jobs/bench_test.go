//go:build unix

package jobs

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

type benchArgs struct {
	N int `json:"n"`
}

func (benchArgs) Kind() string { return "bench" }

// benchWorker does nothing, or, with write, one store transaction per job
// like a send job marking its message.
type benchWorker struct {
	river.WorkerDefaults[benchArgs]
	d     *store.DB
	write bool
}

func (w *benchWorker) Work(ctx context.Context, job *river.Job[benchArgs]) error {
	if !w.write {
		return nil
	}
	return w.d.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.X.ExecContext(ctx, "UPDATE bench_msg SET status = 'sent' WHERE id = $1", job.Args.N)
		return err
	})
}

// BenchmarkJobs enqueues 10,000 jobs (InsertManyTx, 1,000 a transaction) to a
// started runner and reports how fast they complete, from the first insert
// to the last completion River has recorded:
//
//	CHARLA_TEST_DATABASE_URL=... go test -run '^$' -bench Jobs ./internal/jobs/
func BenchmarkJobs(b *testing.B) {
	for _, dialect := range storetest.Dialects() {
		for _, write := range []bool{false, true} {
			name := fmt.Sprintf("%s/trivial", dialect)
			if write {
				name = fmt.Sprintf("%s/tx-per-job", dialect)
			}
			b.Run(name, func(b *testing.B) { benchJobs(b, storetest.Open(b, dialect), write) })
		}
	}
}

func benchJobs(b *testing.B, d *store.DB, write bool) {
	const total, batch = 10_000, 1_000
	ctx := context.Background()
	if _, err := d.W.ExecContext(ctx, "CREATE TABLE bench_msg (id INTEGER PRIMARY KEY, status TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	if err := d.Tx(ctx, func(tx *store.Tx) error {
		for i := range total {
			if _, err := tx.X.ExecContext(ctx, "INSERT INTO bench_msg (id, status) VALUES ($1, 'queued')", i); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	j := newJobs(b, d, func(j *Jobs) { Register(j, &benchWorker{d: d, write: write}) })
	completed, unsubscribe := j.client.SubscribeConfig(&river.SubscribeConfig{
		ChanSize: 2 * total,
		Kinds:    []river.EventKind{river.EventKindJobCompleted},
	})
	defer unsubscribe()
	start(b, j)

	var inserting, working time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		began := time.Now()
		for i := 0; i < total; i += batch {
			params := make([]river.InsertManyParams, batch)
			for k := range params {
				params[k].Args = benchArgs{N: i + k}
			}
			if err := d.Tx(ctx, func(tx *store.Tx) error { return j.InsertManyTx(ctx, tx, params) }); err != nil {
				b.Fatal(err)
			}
		}
		inserting += time.Since(began)
		for range total {
			receive(b, completed, "job completions")
		}
		working += time.Since(began)
	}
	n := float64(b.N * total)
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/n, "cpu-µs/job")
	b.ReportMetric(n/inserting.Seconds(), "inserts/s")
	b.ReportMetric(n/working.Seconds(), "jobs/s")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the CPU this process has used, which unlike throughput does not
// depend on what else the machine is running.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
