package businessprofile

import (
	"strings"
	"testing"

	"charla/internal/problem"
)

// valid is a profile every rule accepts; each case changes one thing.
func valid() Profile {
	return Profile{
		About:       "Fresh bread every morning",
		Address:     "1 Baker Street, London",
		Description: "A family bakery.",
		Email:       "hello@bakery.example.com",
		Vertical:    "GROCERY",
		Websites:    []string{"https://bakery.example.com", "http://shop.example.com/path?x=1"},
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(p, cur *Profile)
		limits  Limits
		field   string // "" means the profile must pass
		message string // a part of the message, when field is set
	}{
		{"all valid", func(p, cur *Profile) {}, CloudLimits, "", ""},

		{"about 139 runes", func(p, _ *Profile) { p.About = strings.Repeat("é", 139) }, CloudLimits, "", ""},
		{"about 140 runes", func(p, _ *Profile) { p.About = strings.Repeat("é", 140) }, CloudLimits, "about", "at most 139"},
		{"about empty", func(p, _ *Profile) { p.About = "" }, CloudLimits, "about", "is required"},
		{"about blank", func(p, _ *Profile) { p.About = "   " }, CloudLimits, "about", "is required"},

		{"address 256", func(p, _ *Profile) { p.Address = strings.Repeat("a", 256) }, CloudLimits, "", ""},
		{"address 257", func(p, _ *Profile) { p.Address = strings.Repeat("a", 257) }, CloudLimits, "address", "at most 256"},
		{"address empty", func(p, _ *Profile) { p.Address = "" }, CloudLimits, "", ""},

		{"description 512 on Cloud API", func(p, _ *Profile) { p.Description = strings.Repeat("d", 512) }, CloudLimits, "", ""},
		{"description 513 on Cloud API", func(p, _ *Profile) { p.Description = strings.Repeat("d", 513) }, CloudLimits, "description", "at most 512"},
		{"description 256 on 360dialog", func(p, _ *Profile) { p.Description = strings.Repeat("d", 256) }, DialogLimits, "", ""},
		{"description 257 on 360dialog", func(p, _ *Profile) { p.Description = strings.Repeat("d", 257) }, DialogLimits, "description", "at most 256"},

		{"email empty", func(p, _ *Profile) { p.Email = "" }, CloudLimits, "", ""},
		{"email 128", func(p, _ *Profile) { p.Email = strings.Repeat("a", 116) + "@example.com" }, CloudLimits, "", ""},
		{"email 129", func(p, _ *Profile) { p.Email = strings.Repeat("a", 117) + "@example.com" }, CloudLimits, "email", "at most 128"},
		{"email without @", func(p, _ *Profile) { p.Email = "bakery.example.com" }, CloudLimits, "email", "info@example.com"},
		{"email with display name", func(p, _ *Profile) { p.Email = "Bakery <hello@bakery.example.com>" }, CloudLimits, "email", "not an email"},
		{"email in angle brackets", func(p, _ *Profile) { p.Email = "<hello@bakery.example.com>" }, CloudLimits, "email", "not an email"},
		{"email without a dotted domain", func(p, _ *Profile) { p.Email = "hello@localhost" }, CloudLimits, "email", "not an email"},
		{"email with two addresses", func(p, _ *Profile) { p.Email = "a@example.com, b@example.com" }, CloudLimits, "email", "not an email"},

		{"vertical with a label", func(p, _ *Profile) { p.Vertical = "OTC_DRUGS" }, CloudLimits, "", ""},
		{"vertical unknown", func(p, _ *Profile) { p.Vertical = "BAKERY" }, CloudLimits, "vertical", "use one of OTHER, AUTO"},
		{"vertical lowercase is not a value", func(p, _ *Profile) { p.Vertical = "grocery" }, CloudLimits, "vertical", "use one of"},
		{"vertical left unset while never set", func(p, cur *Profile) { p.Vertical, cur.Vertical = "", "" }, CloudLimits, "", ""},
		{"vertical left unset while UNDEFINED", func(p, cur *Profile) { p.Vertical, cur.Vertical = "", "UNDEFINED" }, CloudLimits, "", ""},
		{"vertical left unset while NOT_A_BIZ", func(p, cur *Profile) { p.Vertical, cur.Vertical = "NOT_A_BIZ", "NOT_A_BIZ" }, CloudLimits, "", ""},
		{"vertical cleared once set", func(p, cur *Profile) { p.Vertical, cur.Vertical = "", "RETAIL" }, CloudLimits, "vertical", "pick Other"},
		{"vertical reset to UNDEFINED once set", func(p, cur *Profile) { p.Vertical, cur.Vertical = "UNDEFINED", "RETAIL" }, CloudLimits, "vertical", "can't be cleared"},
		{"vertical changed once set", func(p, cur *Profile) { p.Vertical, cur.Vertical = "OTHER", "RETAIL" }, CloudLimits, "", ""},

		{"no websites", func(p, _ *Profile) { p.Websites = nil }, CloudLimits, "", ""},
		{"three websites", func(p, _ *Profile) {
			p.Websites = []string{"https://a.example", "https://b.example", "https://c.example"}
		}, CloudLimits, "websites", "at most 2"},
		{"website 256", func(p, _ *Profile) { p.Websites = []string{"https://a.example/" + strings.Repeat("p", 256-18)} }, CloudLimits, "", ""},
		{"website 257", func(p, _ *Profile) { p.Websites = []string{"https://a.example/" + strings.Repeat("p", 257-18)} }, CloudLimits, "websites[0]", "at most 256"},
		{"website without scheme", func(p, _ *Profile) { p.Websites = []string{"https://ok.example", "www.example.com"} }, CloudLimits, "websites[1]", "http:// or https://"},
		{"website with another scheme", func(p, _ *Profile) { p.Websites = []string{"ftp://example.com"} }, CloudLimits, "websites[0]", "http:// or https://"},
		{"website with an uppercase scheme", func(p, _ *Profile) { p.Websites = []string{"HTTPS://example.com"} }, CloudLimits, "", ""},
		{"website without a host", func(p, _ *Profile) { p.Websites = []string{"https://"} }, CloudLimits, "websites[0]", "not a valid URL"},
		{"website that doesn't parse", func(p, _ *Profile) { p.Websites = []string{"https://exa mple.com"} }, CloudLimits, "websites[0]", "not a valid URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, cur := valid(), valid()
			c.edit(&p, &cur)
			err := Validate(p, cur, c.limits)
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !problem.Is(err, problem.Invalid) {
				t.Fatalf("want a 422 on %s, got %v", c.field, err)
			}
			fields := problem.As(err).Fields
			if len(fields) != 1 || !strings.Contains(fields[c.field], c.message) {
				t.Fatalf("want only %s containing %q, got %v", c.field, c.message, fields)
			}
		})
	}
}

func TestValidateNamesEveryField(t *testing.T) {
	p := Profile{
		Address:     strings.Repeat("a", 300),
		Description: strings.Repeat("d", 300),
		Email:       "nope",
		Websites:    []string{"example.com", "https://ok.example", "https://three.example"},
	}
	err := Validate(p, Profile{Vertical: "AUTO"}, DialogLimits)
	got := problem.As(err).Fields
	for _, f := range []string{"about", "address", "description", "email", "vertical", "websites", "websites[0]"} {
		if got[f] == "" {
			t.Errorf("no error on %s: %v", f, got)
		}
	}
}

func TestClean(t *testing.T) {
	got := Clean(Profile{
		About:    "  hi  ",
		Email:    " a@b.example ",
		Vertical: "UNDEFINED",
		Websites: []string{" https://a.example ", "", "  "},
	})
	if got.About != "hi" || got.Email != "a@b.example" || got.Vertical != "" ||
		len(got.Websites) != 1 || got.Websites[0] != "https://a.example" {
		t.Fatalf("got %+v", got)
	}
	if v := Clean(Profile{Vertical: " retail "}).Vertical; v != "RETAIL" {
		t.Fatalf("vertical %q", v)
	}
}

func TestVerticals(t *testing.T) {
	if len(Verticals) != 21 || Verticals[0].Value != "OTHER" {
		t.Fatalf("want the 21 values of Meta's enum starting with OTHER, got %d", len(Verticals))
	}
	seen := map[string]bool{}
	for _, v := range Verticals {
		if v.Label == "" || seen[v.Value] {
			t.Errorf("%q: empty label or repeated", v.Value)
		}
		seen[v.Value] = true
	}
	if VerticalLabel("GOVT") != "Public service" || VerticalLabel("UNDEFINED") != "" {
		t.Fatal("labels")
	}
}
