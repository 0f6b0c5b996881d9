package broadcast

import (
	"context"
	"fmt"
	"time"

	"charla/internal/problem"
)

// Estimate is what starting a broadcast would take: how long at the
// channel's rate, and whether the audience fits what is left of the
// number's messaging limit (the unique contacts a business may start
// conversations with in a rolling 24 hours: 250, 2,000, 10,000, 100,000 or
// unlimited).
type Estimate struct {
	// Recipients is how many contacts the audience has now, opted-out ones
	// left out (contacts the channel cannot reach are skipped at send time).
	Recipients int `json:"recipients"`
	// Rate is the channel's pace ("80/s"); PerSecond the same as a number.
	Rate      string  `json:"rate"`
	PerSecond float64 `json:"per_second"`
	// Duration is recipients ÷ rate.
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"duration_seconds"`
	// Limit is the number's messaging limit (0: not known yet; -1:
	// unlimited or the channel has none), Used how many it started in the
	// last 24 hours, LimitLeft what is left (-1 when Limit is not positive).
	Limit     int  `json:"limit"`
	Used      int  `json:"used"`
	LimitLeft int  `json:"limit_left"`
	Fits      bool `json:"fits"`
	// Warning explains a limit that is unknown or too small ("" otherwise).
	Warning string `json:"warning"`
}

// EstimateFor is the estimate for an audience on a channel, as the composer
// shows it before starting.
func (s *Service) EstimateFor(ctx context.Context, ws, channelID string, a Audience) (Estimate, error) {
	if _, err := s.channels.Get(ctx, ws, channelID); err != nil {
		return Estimate{}, err
	}
	f := problem.Fields{}
	a, err := s.validateAudience(ctx, ws, a, f)
	if err == nil {
		err = f.Err()
	}
	if err != nil {
		return Estimate{}, err
	}
	return s.estimate(ctx, ws, channelID, a)
}

func (s *Service) estimate(ctx context.Context, ws, channelID string, a Audience) (Estimate, error) {
	ch, err := s.channels.Get(ctx, ws, channelID)
	if err != nil {
		return Estimate{}, err
	}
	n, err := s.count(ctx, ws, a)
	if err != nil {
		return Estimate{}, err
	}
	rate := s.out.RateFor(ch)
	e := Estimate{Recipients: n, Rate: rate.String(), PerSecond: rate.PerSecond(), Duration: rate.Duration(n),
		Seconds: rate.Duration(n).Seconds(),
		Limit:   -1, LimitLeft: -1, Fits: true}
	t, _ := s.channels.Types().Get(ch.Type)
	if t == nil || t.Capabilities().ReplyWindow == 0 {
		return e, nil // a channel without a reply window counts no business-initiated conversations
	}
	h, err := s.channels.Health(ctx, ws, channelID)
	if err != nil {
		return e, err
	}
	if e.Used, err = s.inbox.InitiatedUsage(ctx, channelID); err != nil {
		return e, err
	}
	switch {
	case h.Number == nil || h.Number.Limit == 0:
		e.Limit = 0
		e.Warning = "charla does not know this number's messaging limit yet (check the channel's connection to learn it); " +
			"if the audience is larger than what is left of it, WhatsApp will refuse the rest"
	case h.Number.Limit < 0:
		// Unlimited.
	default:
		e.Limit = h.Number.Limit
		e.LimitLeft = max(0, e.Limit-e.Used)
		if n > e.LimitLeft {
			e.Fits = false
			e.Warning = fmt.Sprintf("the audience has %d contacts, but this number may start conversations with only %d more "+
				"in the next 24 hours (limit %d, %d used); WhatsApp would refuse the rest. Narrow the audience or split it "+
				"over several days", n, e.LimitLeft, e.Limit, e.Used)
		}
	}
	return e, nil
}
