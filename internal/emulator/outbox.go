package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"charla/internal/channel/whatsapp"
)

// ErrNoCallback is returned when a webhook is due but no CallbackURL is set.
var ErrNoCallback = errors.New("emulator: no callback URL")

// delivery is one webhook body that is due, rendered once so every retry
// posts (and signs) the same bytes.
type delivery struct {
	body []byte
	what string // names it in errors
}

// outbox holds the webhooks in the order they happened. Manual-mode
// statuses wait in pending until Advance/Flush release them; everything
// else is due at once. Posting is serialized by postMu and the head is
// removed only once the callback accepted it, so the callback sees
// deliveries in order and never misses one.
type outbox struct {
	mu      sync.Mutex
	pending []statusEvent
	due     []delivery
	postMu  sync.Mutex
	wake    chan struct{} // something became due (auto mode)
	kick    chan struct{} // the callback changed: retry now
	popped  chan struct{} // closed and replaced each time a delivery is done
}

func newOutbox() outbox {
	return outbox{wake: make(chan struct{}, 1), kick: make(chan struct{}, 1), popped: make(chan struct{})}
}

// poke signals ch without blocking; one pending signal is enough.
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// emit makes deliveries due; in auto mode the deliverer picks them up.
func (e *Emulator) emit(ds ...delivery) {
	e.out.mu.Lock()
	e.out.due = append(e.out.due, ds...)
	e.out.mu.Unlock()
	poke(e.out.wake)
}

// dispatch sends what is due after a customer action: in auto mode the
// deliverer does it; in manual mode it happens now and its error is the
// caller's.
func (e *Emulator) dispatch(ctx context.Context) error {
	if e.cfg.AutoStatuses {
		return nil
	}
	e.out.postMu.Lock()
	defer e.out.postMu.Unlock()
	return e.drainLocked(ctx)
}

// deliverNextLocked posts the head of the due list once. It reports false
// when nothing was due. The caller holds postMu.
func (e *Emulator) deliverNextLocked(ctx context.Context) (bool, error) {
	e.out.mu.Lock()
	if len(e.out.due) == 0 {
		e.out.mu.Unlock()
		return false, nil
	}
	d := e.out.due[0]
	e.out.mu.Unlock()
	if err := e.post(ctx, d.body); err != nil {
		return false, fmt.Errorf("%s: %w", d.what, err)
	}
	e.out.mu.Lock()
	e.out.due[0] = delivery{} // let the body be collected
	e.out.due = e.out.due[1:]
	close(e.out.popped)
	e.out.popped = make(chan struct{})
	e.out.mu.Unlock()
	return true, nil
}

// WaitDelivered blocks until no webhook is pending (see Pending) or ctx is
// done. It is for auto mode, where the deliverer empties the outbox; in
// manual mode waiting statuses only leave through Advance/Flush.
func (e *Emulator) WaitDelivered(ctx context.Context) error {
	for {
		e.out.mu.Lock()
		n, popped := len(e.out.pending)+len(e.out.due), e.out.popped
		e.out.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-popped:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// drainLocked posts everything due, stopping at the first error.
func (e *Emulator) drainLocked(ctx context.Context) error {
	for {
		ok, err := e.deliverNextLocked(ctx)
		if err != nil || !ok {
			return err
		}
	}
}

// deliverLoop is auto mode's deliverer: it posts what is due in order and
// retries a failed head with exponential backoff until it is delivered or
// the emulator is closed. The backoff runs on real timers (the injected
// Clock may never move in a test); SetCallback cuts it short.
func (e *Emulator) deliverLoop() {
	defer close(e.done)
	wait := e.cfg.RetryMin
	for {
		e.out.postMu.Lock()
		ok, err := e.deliverNextLocked(e.ctx)
		e.out.postMu.Unlock()
		if e.ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			// Say so when a streak of failures starts and then at most once
			// per RetryMax, not on every attempt.
			if wait == e.cfg.RetryMin || wait == e.cfg.RetryMax {
				e.logf("emulator: webhook delivery failed, retrying in %s: %v", wait, err)
			}
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-e.out.kick:
				t.Stop()
			case <-e.ctx.Done():
				t.Stop()
				return
			}
			wait = min(wait*2, e.cfg.RetryMax)
		case ok:
			wait = e.cfg.RetryMin
		default:
			select {
			case <-e.out.wake:
			case <-e.out.kick:
			case <-e.ctx.Done():
				return
			}
		}
	}
}

// post delivers one signed webhook; a non-2xx answer is an error.
func (e *Emulator) post(ctx context.Context, body []byte) error {
	url := e.Callback()
	if url == "" {
		return ErrNoCallback
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(body, e.cfg.AppSecret))
	resp, err := e.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("callback answered %s", resp.Status)
	}
	return nil
}
