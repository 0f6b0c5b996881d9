package phone

import (
	"slices"
	"testing"
)

// waPerson is one subscriber as WhatsApp names them (the wa_id in a webhook)
// and as people type them (an agent, a CRM export, a signup form).
type waPerson struct {
	name string
	waID string
	// want is the one contact key: FromWhatsAppID(waID) and Normalize of
	// every input.
	want   string
	inputs []typed
	// variants is exactly Variants(want): every stored form that must find
	// this person, the canonical key first.
	variants []string
}

type typed struct{ raw, region string }

// waPeople are real-shaped numbers in the countries where a wa_id and the
// number people write differ (Brazil, Mexico, Argentina), and controls where
// they do not.
var waPeople = []waPerson{
	// Brazil: WhatsApp still issues 12-digit wa_ids (no ninth digit) to many
	// mobiles registered before 2016, while everyone writes the number with
	// the 9.
	{
		name: "BR mobile, wa_id without the ninth digit", waID: "553188887777", want: "+5531988887777",
		inputs: []typed{
			{"+55 31 98888-7777", ""}, {"+55 (31) 9 8888-7777", ""}, {"+55 31 8888-7777", ""},
			{"(31) 98888-7777", "BR"}, {"(31) 8888-7777", "BR"}, {"031 98888 7777", "BR"},
			{"0 21 31 98888-7777", "BR"}, // trunk 0 + carrier code 21
			{"0055 31 98888 7777", ""}, {"5531988887777", ""}, {"553188887777", ""}, {"553188887777", "BR"},
			{"+55 31 98888-7777", "US"}, // the + wins over the region
		},
		variants: []string{"+5531988887777", "+553188887777"},
	},
	{
		name: "BR mobile, wa_id with the ninth digit", waID: "5531988887777", want: "+5531988887777",
		inputs:   []typed{{"(31) 98888-7777", "BR"}, {"+55 31 8888-7777", ""}, {"553188887777", ""}},
		variants: []string{"+5531988887777", "+553188887777"},
	},
	{
		name: "BR Rio mobile", waID: "552187654321", want: "+5521987654321",
		inputs:   []typed{{"+55 21 98765-4321", ""}, {"(21) 8765-4321", "BR"}, {"21 9 8765 4321", "BR"}},
		variants: []string{"+5521987654321", "+552187654321"},
	},
	{
		name: "BR Brasilia old mobile starting 6", waID: "556165432109", want: "+5561965432109",
		inputs:   []typed{{"+55 61 96543-2109", ""}, {"(61) 6543-2109", "BR"}},
		variants: []string{"+5561965432109", "+556165432109"},
	},
	{
		// Landlines (first digit 2–5) never had a ninth digit added.
		name: "BR landline keeps 8 digits", waID: "553132654321", want: "+553132654321",
		inputs:   []typed{{"+55 31 3265-4321", ""}, {"(31) 3265-4321", "BR"}, {"031 3265 4321", "BR"}, {"553132654321", ""}},
		variants: []string{"+553132654321"},
	},
	{
		name: "BR São Paulo landline starting 2", waID: "551123456789", want: "+551123456789",
		inputs:   []typed{{"+55 11 2345-6789", ""}, {"(11) 2345-6789", "BR"}},
		variants: []string{"+551123456789"},
	},
	{
		// A post-2016 mobile whose 8 digits after the 9 look like a
		// landline: stripping the 9 would name somebody's landline.
		name: "BR mobile 9 then landline digits", waID: "5531932654321", want: "+5531932654321",
		inputs:   []typed{{"+55 31 93265-4321", ""}, {"(31) 93265-4321", "BR"}},
		variants: []string{"+5531932654321"},
	},

	// Mexico: wa_ids of mobiles registered before 2019 keep the "1" after
	// +52 that the numbering plan dropped.
	{
		name: "MX Mexico City mobile, wa_id with 1", waID: "5215512345678", want: "+525512345678",
		inputs: []typed{
			{"+52 55 1234 5678", ""}, {"+52 1 55 1234 5678", ""}, {"55 1234 5678", "MX"}, {"(55) 1234-5678", "MX"},
			{"044 55 1234 5678", "MX"}, {"045 55 1234 5678", "MX"}, {"5215512345678", ""}, {"525512345678", ""},
			{"0052 55 1234 5678", ""},
		},
		variants: []string{"+525512345678", "+5215512345678"},
	},
	{
		name: "MX Mexico City, wa_id without 1", waID: "525512345678", want: "+525512345678",
		inputs:   []typed{{"+52 1 55 1234 5678", ""}, {"55 1234 5678", "MX"}},
		variants: []string{"+525512345678", "+5215512345678"},
	},
	{
		name: "MX Tijuana (3-digit area code)", waID: "5216641234567", want: "+526641234567",
		inputs:   []typed{{"+52 664 123 4567", ""}, {"664 123 4567", "MX"}, {"+52 1 664 123 4567", ""}},
		variants: []string{"+526641234567", "+5216641234567"},
	},

	// Argentina: wa_ids carry the international mobile 9; people write the
	// number without it, or in the domestic form with trunk 0 and "15".
	{
		name: "AR Buenos Aires mobile", waID: "5491123456789", want: "+5491123456789",
		inputs: []typed{
			{"+54 9 11 2345-6789", ""}, {"+54 11 2345-6789", ""}, {"+54 11 15-2345-6789", ""},
			{"+54 9 11 15-2345-6789", ""}, {"011 15-2345-6789", "AR"}, {"11 15 2345 6789", "AR"},
			{"(011) 15 2345-6789", "AR"}, {"5491123456789", ""}, {"541123456789", ""}, {"0054 9 11 2345 6789", ""},
		},
		variants: []string{"+5491123456789", "+541123456789"},
	},
	{
		name: "AR Buenos Aires mobile, wa_id without 9", waID: "541123456789", want: "+5491123456789",
		inputs:   []typed{{"+54 9 11 2345-6789", ""}, {"011 15-2345-6789", "AR"}},
		variants: []string{"+5491123456789", "+541123456789"},
	},
	{
		name: "AR Córdoba mobile (3-digit area code)", waID: "5493514123456", want: "+5493514123456",
		inputs: []typed{
			{"+54 9 351 412-3456", ""}, {"+54 351 412-3456", ""}, {"0351 15 412-3456", "AR"},
			{"351 15 412 3456", "AR"}, {"+54 9 351 15 412 3456", ""},
		},
		variants: []string{"+5493514123456", "+543514123456"},
	},
	{
		name: "AR Río Gallegos mobile (4-digit area code)", waID: "5492966456789", want: "+5492966456789",
		inputs: []typed{
			{"+54 9 2966 45-6789", ""}, {"+54 2966 45-6789", ""}, {"02966 15 45-6789", "AR"},
			{"+54 2966 15 45-6789", ""}, {"542966456789", ""},
		},
		variants: []string{"+5492966456789", "+542966456789"},
	},

	// Controls: one form only, nothing folded.
	{
		name: "IN mobile", waID: "919876543210", want: "+919876543210",
		inputs: []typed{
			{"+91 98765 43210", ""}, {"098765 43210", "IN"}, {"98765-43210", "IN"}, {"0091 98765 43210", ""},
			{"919876543210", ""},
		},
		variants: []string{"+919876543210"},
	},
	{
		name: "US", waID: "16502530000", want: "+16502530000",
		inputs: []typed{
			{"+1 (650) 253-0000", ""}, {"(650) 253-0000", "US"}, {"1-650-253-0000", "US"}, {"650.253.0000", "US"},
			{"16502530000", ""}, {"00 1 650 253 0000", "MX"}, {"0021 1 650 253 0000", "BR"},
		},
		variants: []string{"+16502530000"},
	},
	{
		name: "ES mobile", waID: "34612345678", want: "+34612345678",
		inputs:   []typed{{"+34 612 34 56 78", ""}, {"612 34 56 78", "ES"}, {"0034 612 345 678", ""}, {"34612345678", ""}},
		variants: []string{"+34612345678"},
	},
	{
		name: "ID mobile", waID: "6281234567890", want: "+6281234567890",
		inputs:   []typed{{"+62 812-3456-7890", ""}, {"0812-3456-7890", "ID"}, {"0062 812 3456 7890", ""}, {"62 812 3456 7890", ""}},
		variants: []string{"+6281234567890"},
	},
}

// TestWhatsAppIDMatchesTypedNumber: a webhook's wa_id and every way a
// person's number is typed give one contact key, and that key's variants
// find a contact stored under the wa_id form.
func TestWhatsAppIDMatchesTypedNumber(t *testing.T) {
	t.Parallel()
	for _, p := range waPeople {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			got, err := FromWhatsAppID(p.waID)
			if err != nil || got != p.want {
				t.Fatalf("FromWhatsAppID(%q) = %q, %v; want %q", p.waID, got, err, p.want)
			}
			if c := Canonical("+" + p.waID); c != p.want {
				t.Errorf("Canonical(%q) = %q, want %q", "+"+p.waID, c, p.want)
			}
			for _, in := range append([]typed{{"+" + p.waID, ""}}, p.inputs...) {
				n, err := Normalize(in.raw, in.region)
				if err != nil || n != p.want {
					t.Errorf("Normalize(%q, %q) = %q, %v; want %q (same person as wa_id %s)", in.raw, in.region, n, err, p.want, p.waID)
				}
			}

			v := Variants(p.want)
			if !slices.Equal(v, p.variants) {
				t.Errorf("Variants(%q) = %q, want %q", p.want, v, p.variants)
			}
			if !slices.Contains(v, p.want) || !slices.Contains(v, "+"+p.waID) {
				t.Errorf("Variants(%q) = %q lacks the key or the wa_id form +%s", p.want, v, p.waID)
			}
			// Starting from the wa_id form finds the same set.
			if vw := Variants("+" + p.waID); len(vw) == 0 || vw[0] != p.want || !sameSet(vw, v) {
				t.Errorf("Variants(%q) = %q, want %q in any order after %q", "+"+p.waID, vw, v, p.want)
			}
			for _, x := range v {
				if c := Canonical(x); c != p.want {
					t.Errorf("Canonical(%q) = %q, want %q", x, c, p.want)
				}
				if c, err := FromWhatsAppID(x[1:]); err != nil || c != p.want {
					t.Errorf("FromWhatsAppID(%q) = %q, %v; want %q", x[1:], c, err, p.want)
				}
			}
		})
	}
}

// TestWhatsAppIDDifferentPeople: numbers that belong to different
// subscribers never share a key, nor any variant.
func TestWhatsAppIDDifferentPeople(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string // wa_ids
	}{
		{"BR mobiles one digit apart", "5531988887777", "5531988887778"},
		{"BR old-format mobiles one digit apart", "553188887777", "553188887778"},
		{"BR same digits, other area code", "553188887777", "552188887777"},
		{"BR landline vs mobile with 9 and the same 8 digits", "553132654321", "5531932654321"},
		{"BR landline vs old-format mobile differing in the first digit", "553138887777", "553188887777"},
		{"BR landline starting 2 vs 9-prefixed mobile", "551123456789", "5511923456789"},
		{"MX mobiles one digit apart (with 1)", "5215512345678", "5215512345679"},
		{"MX mobiles one digit apart (without 1)", "525512345678", "525512345679"},
		{"MX same 10 digits as another area's number", "5215512345678", "5213312345678"},
		{"AR mobiles one digit apart", "5491123456789", "5491123456788"},
		{"AR Buenos Aires vs Córdoba", "5491123456789", "5493514123456"},
		{"IN mobiles one digit apart", "919876543210", "919876543211"},
		{"ES mobile vs landline", "34612345678", "34912345678"},
		{"ID mobiles one digit apart", "6281234567890", "6281234567891"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := FromWhatsAppID(tt.a)
			if err != nil {
				t.Fatalf("FromWhatsAppID(%q): %v", tt.a, err)
			}
			b, err := FromWhatsAppID(tt.b)
			if err != nil {
				t.Fatalf("FromWhatsAppID(%q): %v", tt.b, err)
			}
			if a == b {
				t.Fatalf("wa_ids %s and %s collide on %s", tt.a, tt.b, a)
			}
			va, vb := Variants(a), Variants(b)
			for _, x := range va {
				if slices.Contains(vb, x) {
					t.Fatalf("Variants(%q) = %q and Variants(%q) = %q share %s", a, va, b, vb, x)
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) })
}
