package outbound

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"charla/internal/channel"
)

// Rate is N sends per Per, the way providers state their limits: 80 per
// second, 200 per hour, 500 per 10 seconds. The limiter spaces sends evenly
// (Per/N apart), which keeps within any of them.
type Rate struct {
	N   float64
	Per time.Duration
}

// PerSecond is a rate of n messages a second.
func PerSecond(n float64) Rate { return Rate{N: n, Per: time.Second} }

// Unlimited tells whether r sets no limit.
func (r Rate) Unlimited() bool { return r.N <= 0 || r.Per <= 0 }

// Interval is the time between two sends (0: unlimited).
func (r Rate) Interval() time.Duration {
	if r.Unlimited() {
		return 0
	}
	return time.Duration(float64(r.Per) / r.N)
}

// PerSecond is the rate in messages a second (0: unlimited).
func (r Rate) PerSecond() float64 {
	if r.Unlimited() {
		return 0
	}
	return r.N / r.Per.Seconds()
}

// Duration is how long n sends take at this rate (0: unlimited).
func (r Rate) Duration(n int) time.Duration {
	return time.Duration(n) * r.Interval()
}

func (r Rate) String() string {
	if r.Unlimited() {
		return "unlimited"
	}
	n := strconv.FormatFloat(r.N, 'f', -1, 64)
	switch r.Per {
	case time.Second:
		return n + "/s"
	case time.Minute:
		return n + "/min"
	case time.Hour:
		return n + "/hour"
	}
	return fmt.Sprintf("%s per %s", n, r.Per)
}

// typeRates are the providers' published limits for channel types whose capabilities
// set no SendRate; any other type that sends through this pipeline gets
// otherRate. Self-delivering channels (web chat) never reach the limiter.
var typeRates = map[string]Rate{
	"telegram": PerSecond(30),
	"facebook": {N: 200, Per: time.Hour},
	"viber":    {N: 500, Per: 10 * time.Second},
}

var otherRate = PerSecond(20)

// RateOf is the pace of sends on ch: its "rate_limit" setting (messages a
// second), else its type's SendRate, else the default for its type.
func RateOf(ch channel.Channel, t channel.Type) Rate {
	var s struct {
		RateLimit float64 `json:"rate_limit"`
	}
	if json.Unmarshal(ch.Settings, &s) == nil && s.RateLimit > 0 {
		return PerSecond(s.RateLimit)
	}
	if t != nil && t.Capabilities().SendRate > 0 {
		return PerSecond(t.Capabilities().SendRate)
	}
	if t != nil && t.Capabilities().SelfDelivering {
		return Rate{}
	}
	if r, ok := typeRates[ch.Type]; ok {
		return r
	}
	return otherRate
}
