package templates

import "time"

// SnoozeChoice is one "snooze for" option of the conversation header.
type SnoozeChoice struct {
	Key, Label string
	For        time.Duration
}

// snoozeChoices are the durations agents pick from, as in most shared inboxes.
var snoozeChoices = []SnoozeChoice{
	{"1h", "for 1 hour", time.Hour},
	{"4h", "for 4 hours", 4 * time.Hour},
	{"1d", "until tomorrow", 24 * time.Hour},
	{"1w", "for a week", 7 * 24 * time.Hour},
}

// SnoozeFor returns the duration of the choice key, or false.
func SnoozeFor(key string) (time.Duration, bool) {
	for _, c := range snoozeChoices {
		if c.Key == key {
			return c.For, true
		}
	}
	return 0, false
}
