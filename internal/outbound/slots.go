package outbound

import (
	"context"
	"database/sql"
	"time"
)

// pgSlots reserves send slots in the channel_rate table, so every instance
// on one PostgreSQL database draws from the same per-channel schedule. One
// statement, outside any transaction: the row lock lasts one round trip.
type pgSlots struct{ db *sql.DB }

// The row's next_slot moves n intervals past the later of itself and now;
// the block reserved is the n slots before the new value.
const reserveSQL = `INSERT INTO channel_rate AS r (channel_id, next_slot)
VALUES ($1, $2::timestamptz + $3 * interval '1 microsecond')
ON CONFLICT (channel_id) DO UPDATE
SET next_slot = GREATEST(r.next_slot, $2::timestamptz) + $3 * interval '1 microsecond'
RETURNING next_slot`

func (p pgSlots) Reserve(ctx context.Context, key string, n int, interval time.Duration, now time.Time) (time.Time, error) {
	span := time.Duration(n) * interval
	var next time.Time
	if err := p.db.QueryRowContext(ctx, reserveSQL, key, now.UTC(), span.Microseconds()).Scan(&next); err != nil {
		return time.Time{}, err
	}
	return next.Add(-span), nil
}
