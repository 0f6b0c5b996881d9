package phone

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// fuzzRegions keeps the region dimension small and meaningful: an arbitrary
// string would almost always be rejected as an unknown region.
var fuzzRegions = []string{"", "BR", "MX", "AR", "US", "GB", "IN", "ID", "ES", "DE", "xx"}

func FuzzNormalize(f *testing.F) {
	seeds := []string{
		"+55 11 98765-4321", "(11) 8765-4321", "551187654321", "+52 1 55 1234 5678",
		"044 55 1234 5678", "+54 9 11 15 2345 6789", "011 15-2345-6789", "0055 11 98765 4321",
		"tel:+1-650-253-0000", "+1 800 FLOWERS", "+1 650 253 0000 ext. 12", "＋５５ １１ ９８７６５ ４３２１",
		"", "+", "00", "abc", "+999 1234 5678", "tel:;phone-context=+1", "+54 0 11 2345 6789",
	}
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, raw string, r uint8) {
		region := fuzzRegions[int(r)%len(fuzzRegions)]
		got, err := Normalize(raw, region)
		if err != nil {
			if got != "" {
				t.Fatalf("Normalize(%q, %q) = %q with error %v", raw, region, got, err)
			}
			return
		}
		if !strings.HasPrefix(got, "+") {
			t.Fatalf("Normalize(%q, %q) = %q, want leading +", raw, region, got)
		}
		n, perr := phonenumbers.Parse(got, "")
		if perr != nil || !phonenumbers.IsValidNumber(n) {
			t.Fatalf("Normalize(%q, %q) = %q, not valid per phonenumbers (%v)", raw, region, got, perr)
		}
		if again, err := Normalize(got, ""); err != nil || again != got {
			t.Fatalf("Normalize(%q, \"\") = %q, %v; want fixed point of Normalize(%q, %q)", got, again, err, raw, region)
		}
		if c := Canonical(got); c != got {
			t.Fatalf("Canonical(%q) = %q, want unchanged", got, c)
		}
		if v := Variants(got); len(v) == 0 || v[0] != got {
			t.Fatalf("Variants(%q) = %q, want canonical first", got, v)
		}
	})
}
