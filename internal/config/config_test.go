package config

import (
	"strings"
	"testing"
)

// TestPhoneRegion: the default country for numbers is checked at start-up,
// so a typo can't mis-file every national number later.
func TestPhoneRegion(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"", "", ""},
		{" br ", "BR", ""},
		{"MX", "MX", ""},
		{"XX", "", "CHARLA_PHONE_REGION"},
		{"Brazil", "", "CHARLA_PHONE_REGION"},
	} {
		t.Setenv("CHARLA_PHONE_REGION", c.in)
		cfg, err := Load()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want one naming %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil || cfg.PhoneRegion != c.want {
			t.Errorf("%q: %q, %v; want %q", c.in, cfg.PhoneRegion, err, c.want)
		}
	}
}
