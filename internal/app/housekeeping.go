package app

import (
	"context"
	"time"

	"charla/internal/core"
)

// housekeep runs the small periodic chores until ctx ends: snoozed
// conversations whose time came reopen, expired sessions go. Every instance
// may run it; both chores are idempotent single statements.
func housekeep(ctx context.Context, s *core.Services, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	sessions := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n, err := s.Inbox.WakeSnoozed(ctx, now); err != nil {
				s.Log.Warn("wake snoozed conversations", "err", err)
			} else if n > 0 {
				s.Log.Info("snoozed conversations reopened", "count", n)
			}
			if now.Sub(sessions) >= time.Hour {
				sessions = now
				if _, err := s.Auth.PurgeExpiredSessions(ctx); err != nil {
					s.Log.Warn("purge expired sessions", "err", err)
				}
			}
		}
	}
}
