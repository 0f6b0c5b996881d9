package broadcast

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"charla/internal/events"
	"charla/internal/store"
	"charla/internal/store/db"
)

// announceEvery bounds progress events to four a second per broadcast.
const announceEvery = 250 * time.Millisecond

// throttle remembers when something was last done per key, in this process.
type throttle struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func newThrottle() *throttle { return &throttle{last: map[string]time.Time{}} }

// allow tells whether key may go now, at most once per every.
func (t *throttle) allow(key string, every time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if now.Sub(t.last[key]) < every {
		return false
	}
	t.last[key] = now
	if len(t.last) > 10_000 { // forget broadcasts long finished
		for k, at := range t.last {
			if now.Sub(at) > time.Hour {
				delete(t.last, k)
			}
		}
	}
	return true
}

// counts reads a broadcast's counts now.
func (s *Service) counts(ctx context.Context, id string) (Counts, error) {
	rows, err := s.db.Q.CountRecipientsByStatus(ctx, id)
	if err != nil {
		return Counts{}, err
	}
	var c Counts
	for _, r := range rows {
		n := int(r.N)
		c.Total += n
		switch r.Status {
		case Pending:
			c.Pending = n
		case Queued:
			c.Queued = n
		case Held:
			c.Held = n
		case Sent:
			c.Sent += n
		case Delivered:
			c.Sent += n
			c.Delivered += n
		case Read:
			c.Sent += n
			c.Delivered += n
			c.Read = n
		case Failed:
			c.Failed = n
		case Skipped:
			c.Skipped = n
		case Cancelled:
			c.Cancelled = n
		}
	}
	replied, err := s.db.Q.CountRepliedRecipients(ctx, id)
	c.Replied = int(replied)
	return c, err
}

// announce stores and publishes a broadcast's counts when they changed,
// at most four times a second, so a progress page can follow it live.
func (s *Service) announce(ctx context.Context, b db.Broadcast, force bool) {
	// Counting a large broadcast takes a while: keep it under a tenth of
	// the time between announcements.
	every := announceEvery
	if cost, ok := s.countCost.Load(b.ID); ok {
		every = max(every, 10*cost.(time.Duration))
	}
	if !force && !s.progress.allow(b.ID, every) {
		return
	}
	began := time.Now()
	c, err := s.counts(ctx, b.ID)
	s.countCost.Store(b.ID, time.Since(began))
	if err != nil {
		s.log.Warn("broadcast counts", "broadcast", b.ID, "err", err)
		return
	}
	js, _ := json.Marshal(c)
	if string(js) == b.Counts {
		return
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.SetBroadcastCounts(ctx, db.SetBroadcastCountsParams{ID: b.ID, Counts: string(js)})
	})
	if err != nil {
		s.log.Warn("broadcast counts", "broadcast", b.ID, "err", err)
		return
	}
	s.changed(b.WorkspaceID, b.ID, b.ChannelID)
}

// changed tells subscribers a broadcast changed; they re-read it. A lost
// event only delays a screen.
func (s *Service) changed(ws, id, channelID string) {
	e := events.Event{Workspace: ws, Kind: EventUpdated, Broadcast: id, Channel: channelID}
	if err := s.bus.Publish(context.Background(), e); err != nil {
		s.log.Warn("publish broadcast event", "broadcast", id, "err", err)
	}
}
