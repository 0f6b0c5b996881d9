package bench

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"charla/internal/store"
	"charla/internal/store/db"
)

// warmUp sends every visitor's first message the way the run will (HTTP or
// inbox.Receive), so the timed phase measures the steady state: known
// contact, open thread.
func warmUp(ctx context.Context, p poster, visitors, workers int) (time.Duration, error) {
	st := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for v := w; v < visitors; v += workers {
				if _, err := p.post(ctx, v, "hello, first message"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return time.Since(st), <-errs
}

// useMmap reopens the SQLite pools exactly as store.Open does, plus
// mmap_size, so pages are read from the OS page cache by memory access
// instead of a pread per page: after every commit each reader connection
// drops its page cache, so under write load reads are mostly cold.
func useMmap(d *store.DB, path string) error {
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(1073741824)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	oldW, oldR := d.W, d.R
	d.W, d.R, d.Q = w, r, db.New(r)
	oldW.Close()
	oldR.Close()
	return nil
}
