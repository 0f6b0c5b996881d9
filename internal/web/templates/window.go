package templates

import (
	"fmt"
	"time"
)

// TimeLeft says how long until t: "5 h 12 min", "12 min", "less than a
// minute". app.js keeps the same wording as it counts down.
func TimeLeft(d time.Duration) string {
	if d <= 0 {
		return "0 min"
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	}
	return "less than a minute"
}

// span names a window's length: "24 hours", "7 days".
func span(d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	if d == time.Hour {
		return "1 hour"
	}
	return fmt.Sprintf("%d hours", d/time.Hour)
}

// closesIn is the time left of an open window.
func closesIn(w Window) string {
	if w.ClosesAt == nil {
		return ""
	}
	return TimeLeft(time.Until(*w.ClosesAt))
}

func closesAtISO(w Window) string {
	if w.ClosesAt == nil {
		return ""
	}
	return isoTime(*w.ClosesAt)
}

func closedAt(w Window) string {
	if w.ClosesAt == nil {
		return ""
	}
	return w.ClosesAt.UTC().Format("Jan 2 15:04 UTC")
}

// spanAdj names a window's length before a noun: "24-hour", "7-day".
func spanAdj(d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d-day", d/(24*time.Hour))
	}
	return fmt.Sprintf("%d-hour", d/time.Hour)
}
