package phone

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		raw    string
		region string
		want   string
	}{
		// Brazil: mobiles get the ninth digit, landlines never do.
		{"BR mobile international", "+55 11 98765-4321", "", "+5511987654321"},
		{"BR mobile national with parens", "(11) 98765-4321", "BR", "+5511987654321"},
		{"BR mobile national trunk 0", "011 98765-4321", "BR", "+5511987654321"},
		{"BR mobile trunk + carrier code", "0 15 11 98765-4321", "BR", "+5511987654321"},
		{"BR mobile dots", "+55.21.99876.5432", "", "+5521998765432"},
		{"BR old 8-digit mobile international", "+55 11 8765-4321", "", "+5511987654321"},
		{"BR old 8-digit mobile national", "(21) 9876-5432", "BR", "+5521998765432"},
		{"BR old 8-digit mobile starting 6", "+55 61 6543-2109", "", "+5561965432109"},
		{"BR old 8-digit mobile starting 7", "+55 11 7876-5432", "", "+5511978765432"},
		{"BR wa_id shape without plus, no region", "551187654321", "", "+5511987654321"},
		{"BR own country code without plus", "551187654321", "BR", "+5511987654321"},
		{"BR landline untouched", "+55 11 3265-4321", "", "+551132654321"},
		{"BR landline national", "(61) 3265-4321", "BR", "+556132654321"},
		{"BR landline starting 2", "+55 21 2345-6789", "", "+552123456789"},
		{"BR landline starting 5", "+55 11 5555-1234", "", "+551155551234"},
		{"BR 00 prefix no region", "00 55 11 98765 4321", "", "+5511987654321"},
		{"BR 00 prefix with BR region", "0055 11 98765 4321", "BR", "+5511987654321"},
		{"BR carrier IDD to US", "0021 1 202 555 0143", "BR", "+12025550143"},

		// Mexico: canonical form has no "1" after +52.
		{"MX current international", "+52 55 1234 5678", "", "+525512345678"},
		{"MX old mobile 521", "+52 1 55 1234 5678", "", "+525512345678"},
		{"MX wa_id shape 521 no region", "5215512345678", "", "+525512345678"},
		{"MX 521 with MX region", "5215512345678", "MX", "+525512345678"},
		{"MX national", "55 1234 5678", "MX", "+525512345678"},
		{"MX Guadalajara 521", "+52 1 33 1234 5678", "", "+523312345678"},
		{"MX old 044 prefix", "044 55 1234 5678", "MX", "+525512345678"},
		{"MX old 045 prefix", "045 81 1234 5678", "MX", "+528112345678"},
		{"MX old 01 long distance", "01 800 123 4567", "MX", "+528001234567"},

		// Argentina: canonical form has the mobile 9 and no 15.
		{"AR mobile international", "+54 9 11 2345-6789", "", "+5491123456789"},
		{"AR wa_id shape 549", "5491123456789", "", "+5491123456789"},
		{"AR without 9 gets it", "+54 11 2345-6789", "", "+5491123456789"},
		{"AR 15 in international form", "+54 11 15-2345-6789", "", "+5491123456789"},
		{"AR 9 and 15 both", "+54 9 11 15 2345 6789", "", "+5491123456789"},
		{"AR local 15 with trunk 0", "011 15-2345-6789", "AR", "+5491123456789"},
		{"AR local 15 without trunk", "11 15-2345-6789", "AR", "+5491123456789"},
		{"AR Cordoba local 15", "0351 15 412-3456", "AR", "+5493514123456"},
		{"AR Cordoba international", "+54 9 351 412-3456", "", "+5493514123456"},
		{"AR toll-free has no mobile form", "+54 800 123 4567", "", "+548001234567"},

		// Plain cases.
		{"US international", "+1 (650) 253-0000", "", "+16502530000"},
		{"US national", "(202) 555-0143", "US", "+12025550143"},
		{"US national with 1", "1-650-253-0000", "US", "+16502530000"},
		{"US 011 IDD to UK", "011 44 20 7946 0958", "US", "+442079460958"},
		{"US region, 00 prefix falls back to international", "00 44 20 7946 0958", "US", "+442079460958"},
		{"US no plus no region", "16502530000", "", "+16502530000"},
		{"UK mobile national", "07400 123456", "GB", "+447400123456"},
		{"UK London", "+44 20 7946 0958", "", "+442079460958"},
		{"UK 00 prefix", "0044 7400 123456", "", "+447400123456"},
		{"IN mobile", "+91 98765 43210", "", "+919876543210"},
		{"IN mobile national trunk 0", "098765 43210", "IN", "+919876543210"},
		{"IN national", "98765-43210", "IN", "+919876543210"},
		{"ID mobile national", "0812-3456-7890", "ID", "+6281234567890"},
		{"ID mobile international", "+62 812-3456-7890", "", "+6281234567890"},
		{"ES mobile national", "612 34 56 78", "ES", "+34612345678"},
		{"ES 00 with ES region", "0034 612 345 678", "ES", "+34612345678"},
		{"ES Madrid landline", "+34 91 123 45 67", "", "+34911234567"},

		// Input forms.
		{"lowercase region", "(11) 98765-4321", "br", "+5511987654321"},
		{"surrounding whitespace", "  +55 11 98765-4321\t", "", "+5511987654321"},
		{"slashes and nbsp", "+55\u00a011/98765-4321", "", "+5511987654321"},
		{"full-width plus and digits", "＋５５ １１ ９８７６５ ４３２１", "", "+5511987654321"},
		{"tel URI", "tel:+1-650-253-0000", "", "+16502530000"},
		{"plus overrides region", "+55 11 98765-4321", "US", "+5511987654321"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Normalize(tt.raw, tt.region)
			if err != nil {
				t.Fatalf("Normalize(%q, %q) error: %v", tt.raw, tt.region, err)
			}
			if got != tt.want {
				t.Fatalf("Normalize(%q, %q) = %q, want %q", tt.raw, tt.region, got, tt.want)
			}
			// The output must be a fixed point: normalising or
			// canonicalising it again changes nothing.
			if again, err := Normalize(got, ""); err != nil || again != got {
				t.Errorf("Normalize(%q, \"\") = %q, %v; want fixed point", got, again, err)
			}
			if c := Canonical(got); c != got {
				t.Errorf("Canonical(%q) = %q, want unchanged", got, c)
			}
		})
	}
}

func TestNormalizeInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		raw    string
		region string
		why    string // substring of the error message
	}{
		{"empty", "", "", "empty"},
		{"blank", "   ", "BR", "empty"},
		{"letters", "call me", "", "not a phone number"},
		{"plus only", "+", "", "not a phone number"},
		{"unknown country code", "+999 1234 5678", "", "unknown country code"},
		{"national number without region", "(11) 98765-4321", "", "read as international"},
		{"US number without +1 or region", "650 253 0000", "", "not an assigned number range for +65"},
		{"too short", "+1 555", "", "too short"},
		{"too long BR", "+55 11 98765-43210", "", "too long"},
		{"BR invalid area code 10", "+55 10 98765-4321", "", ""},
		{"BR missing area code", "98765-4321", "BR", ""},
		{"extension", "+1 650 253 0000 ext. 12", "", "extension"},
		{"unknown region", "(11) 98765-4321", "XX", "unknown default region"},
		{"alpha-3 region", "(11) 98765-4321", "BRA", "unknown default region"},
		{"UK drama range", "+44 7700 900123", "", "not an assigned number range"},
		{"MX 521 with wrong length", "+52 1 55 1234 567", "", ""},
		{"00 alone", "00", "", ""},
		{"huge input", "+" + strings.Repeat("1", 200), "", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Normalize(tt.raw, tt.region)
			if err == nil {
				t.Fatalf("Normalize(%q, %q) = %q, want error", tt.raw, tt.region, got)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.why) {
				t.Errorf("error %q does not mention %q", err, tt.why)
			}
			if got != "" {
				t.Errorf("got %q alongside error", got)
			}
		})
	}
}

func TestFromWhatsAppID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, waID, want string
	}{
		{"BR 13-digit mobile", "5511987654321", "+5511987654321"},
		{"BR 12-digit mobile missing 9", "551187654321", "+5511987654321"},
		{"BR 12-digit mobile missing 9, Brasilia", "556198765432", "+5561998765432"},
		{"BR landline stays 12 digits", "551132654321", "+551132654321"},
		{"MX 521", "5215512345678", "+525512345678"},
		{"MX 52", "525512345678", "+525512345678"},
		{"AR 549", "5491123456789", "+5491123456789"},
		{"AR 54 without 9", "541123456789", "+5491123456789"},
		{"US", "16502530000", "+16502530000"},
		{"UK", "447400123456", "+447400123456"},
		{"IN", "919876543210", "+919876543210"},
		{"ID", "6281234567890", "+6281234567890"},
		{"ES", "34612345678", "+34612345678"},
		{"leading plus tolerated", "+5511987654321", "+5511987654321"},
		// Not in libphonenumber's ranges but a possible length: WhatsApp
		// verified it, so it is kept rather than dropped.
		{"unlisted UK range kept", "447700900123", "+447700900123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FromWhatsAppID(tt.waID)
			if err != nil {
				t.Fatalf("FromWhatsAppID(%q) error: %v", tt.waID, err)
			}
			if got != tt.want {
				t.Fatalf("FromWhatsAppID(%q) = %q, want %q", tt.waID, got, tt.want)
			}
		})
	}

	for _, bad := range []string{"", "55 11 98765 4321", "55119876x4321", "0055119876543", "5511", "9991234567", "1234567890123456"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			t.Parallel()
			if got, err := FromWhatsAppID(bad); err == nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("FromWhatsAppID(%q) = %q, %v; want ErrInvalid", bad, got, err)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"BR with 9 unchanged", "+5511987654321", "+5511987654321"},
		{"BR adds 9", "+551187654321", "+5511987654321"},
		{"BR landline unchanged", "+551132654321", "+551132654321"},
		{"BR 9-prefixed landline-shaped mobile unchanged", "+5511923456789", "+5511923456789"},
		{"MX drops 1", "+5215512345678", "+525512345678"},
		{"MX unchanged", "+525512345678", "+525512345678"},
		{"AR adds 9", "+541123456789", "+5491123456789"},
		{"AR unchanged", "+5491123456789", "+5491123456789"},
		{"AR drops 15", "+549111523456789", "+5491123456789"},
		{"US unchanged", "+16502530000", "+16502530000"},
		{"formatting removed", "+55 (11) 98765-4321", "+5511987654321"},
		{"not international returned as is", "5511987654321", "5511987654321"},
		{"garbage returned as is", "hello", "hello"},
		{"invalid number kept", "+5510987654321", "+5510987654321"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Canonical(tt.in); got != tt.want {
				t.Fatalf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"BR mobile", "+5511987654321", []string{"+5511987654321", "+551187654321"}},
		{"BR old mobile input", "+551187654321", []string{"+5511987654321", "+551187654321"}},
		{"BR ex-Nextel 7", "+5511978765432", []string{"+5511978765432", "+551178765432"}},
		// Stripping the 9 here would give +55 11 2345-6789, somebody's landline.
		{"BR new mobile with 9 then 2", "+5511923456789", []string{"+5511923456789"}},
		{"BR landline", "+551132654321", []string{"+551132654321"}},
		{"MX", "+525512345678", []string{"+525512345678", "+5215512345678"}},
		{"MX 521 input", "+5215512345678", []string{"+525512345678", "+5215512345678"}},
		{"MX toll-free has no 1 form", "+528001234567", []string{"+528001234567"}},
		{"AR mobile", "+5491123456789", []string{"+5491123456789", "+541123456789"}},
		{"AR without 9 input", "+541123456789", []string{"+5491123456789", "+541123456789"}},
		{"AR 9+15 input kept as stored form", "+549111523456789", []string{"+5491123456789", "+549111523456789", "+541123456789"}},
		{"AR toll-free", "+548001234567", []string{"+548001234567"}},
		{"US", "+16502530000", []string{"+16502530000"}},
		{"IN", "+919876543210", []string{"+919876543210"}},
		{"invalid but parseable", "+5510987654321", []string{"+5510987654321"}},
		{"not international", "5511987654321", nil},
		{"garbage", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Variants(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Variants(%q) = %q, want %q", tt.in, got, tt.want)
			}
			// Every variant leads back to the same person.
			for _, v := range got {
				if c := Canonical(v); len(got) > 0 && c != got[0] {
					t.Errorf("Canonical(%q) = %q, want %q", v, c, got[0])
				}
			}
		})
	}
}

// TestSamePersonSameKey is the property the package exists for: every way
// the same person's number shows up yields one key.
func TestSamePersonSameKey(t *testing.T) {
	t.Parallel()
	type form struct{ raw, region string }
	people := map[string][]form{
		"+5511987654321": {{"+55 11 98765-4321", ""}, {"(11) 8765-4321", "BR"}, {"551187654321", ""}, {"5511987654321", ""}, {"011 98765 4321", "BR"}},
		"+525512345678":  {{"+52 1 55 1234 5678", ""}, {"5215512345678", ""}, {"55 1234 5678", "MX"}, {"044 55 1234 5678", "MX"}},
		"+5491123456789": {{"+54 9 11 2345-6789", ""}, {"+54 11 2345-6789", ""}, {"011 15-2345-6789", "AR"}, {"5491123456789", ""}},
	}
	for want, forms := range people {
		for _, f := range forms {
			got, err := Normalize(f.raw, f.region)
			if err != nil || got != want {
				t.Errorf("Normalize(%q, %q) = %q, %v; want %q", f.raw, f.region, got, err, want)
			}
		}
	}
	for _, w := range []struct{ waID, want string }{
		{"551187654321", "+5511987654321"}, {"5215512345678", "+525512345678"}, {"5491123456789", "+5491123456789"},
	} {
		if got, err := FromWhatsAppID(w.waID); err != nil || got != w.want {
			t.Errorf("FromWhatsAppID(%q) = %q, %v; want %q", w.waID, got, err, w.want)
		}
	}
}
