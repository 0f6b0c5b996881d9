package businessprofile

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"charla/internal/problem"
)

// Clean trims the text fields, drops blank websites and maps a "not set"
// vertical (UNDEFINED, NOT_A_BIZ) to "", so a profile read from the provider
// can be edited and sent back unchanged. Call it before Validate.
func Clean(p Profile) Profile {
	p.About = strings.TrimSpace(p.About)
	p.Address = strings.TrimSpace(p.Address)
	p.Description = strings.TrimSpace(p.Description)
	p.Email = strings.TrimSpace(p.Email)
	p.Vertical = strings.ToUpper(strings.TrimSpace(p.Vertical))
	if !VerticalSet(p.Vertical) {
		p.Vertical = ""
	}
	var sites []string
	for _, w := range p.Websites {
		if w = strings.TrimSpace(w); w != "" {
			sites = append(sites, w)
		}
	}
	p.Websites = sites
	return p
}

// Validate checks p against WhatsApp's rules before anything is sent, naming
// each field that is wrong. current is the profile as the provider has it now:
// a vertical, once set, can't be cleared.
func Validate(p, current Profile, limits Limits) error {
	f := problem.Fields{}
	checkAbout(f, p.About)
	checkMax(f, "address", p.Address, AddressMax)
	checkMax(f, "description", p.Description, limits.DescriptionMax)
	checkEmail(f, p.Email)
	checkVertical(f, p.Vertical, current.Vertical)
	checkWebsites(f, p.Websites)
	return f.Err()
}

func checkAbout(f problem.Fields, about string) {
	if strings.TrimSpace(about) == "" {
		f.Add("about", "is required; write a short status line of 1 to 139 characters")
		return
	}
	checkMax(f, "about", about, AboutMax)
}

func checkMax(f problem.Fields, field, s string, max int) {
	if n := utf8.RuneCountInString(s); n > max {
		f.Add(field, fmt.Sprintf("is %d characters long; shorten it to at most %d", n, max))
	}
}

func checkEmail(f problem.Fields, email string) {
	if email == "" {
		return
	}
	if n := utf8.RuneCountInString(email); n > EmailMax {
		f.Add("email", fmt.Sprintf("is %d characters long; use an address of at most %d", n, EmailMax))
		return
	}
	if !bareAddress(email) {
		f.Add("email", "is not an email address; enter one like info@example.com")
	}
}

// bareAddress tells whether s is exactly one address with a dotted domain:
// ParseAddress also accepts `Name <a@b.c>` and `a@localhost`, which a
// customer can't write to.
func bareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

func checkVertical(f problem.Fields, v, current string) {
	if !VerticalSet(v) {
		if VerticalSet(current) {
			f.Add("vertical", "can't be cleared once set; pick Other")
		}
		return
	}
	if VerticalLabel(v) == "" {
		values := make([]string, len(Verticals))
		for i, x := range Verticals {
			values[i] = x.Value
		}
		f.Add("vertical", fmt.Sprintf("%q is not an industry WhatsApp knows; use one of %s", v, strings.Join(values, ", ")))
	}
}

func checkWebsites(f problem.Fields, sites []string) {
	if len(sites) > WebsitesMax {
		f.Add("websites", fmt.Sprintf("has %d entries; keep at most %d", len(sites), WebsitesMax))
	}
	for i, w := range sites {
		field := fmt.Sprintf("websites[%d]", i)
		if n := utf8.RuneCountInString(w); n > WebsiteMax {
			f.Add(field, fmt.Sprintf("is %d characters long; use a URL of at most %d", n, WebsiteMax))
			continue
		}
		lower := strings.ToLower(w)
		if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
			f.Add(field, "must start with http:// or https://")
			continue
		}
		if u, err := url.Parse(w); err != nil || u.Hostname() == "" {
			f.Add(field, "is not a valid URL; enter one like https://example.com")
		}
	}
}
