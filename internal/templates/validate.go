package templates

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"charla/internal/problem"
)

// Limits WhatsApp sets on a template (providers.md §1.13).
const (
	MaxNameLength       = 512
	MaxHeaderLength     = 60
	MaxBodyLength       = 1024
	MaxFooterLength     = 60
	MaxQuickReplies     = 3
	MaxQuickReplyLength = 20
	MaxCTALength        = 25
	MaxURLLength        = 2000
	MaxButtons          = 10
	MaxSampleBytes      = 20 << 20
	MaxCodeExpiration   = 90
)

var (
	nameRule = regexp.MustCompile(`^[a-z0-9_]+$`)
	// e164 is "+", a country code that does not start with 0, and 8–15 digits in all.
	e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
)

// sampleTypes are the file types each media header accepts, as sniffed.
var sampleTypes = map[string][]string{
	"IMAGE":    {"image/jpeg", "image/png"},
	"VIDEO":    {"video/mp4"},
	"DOCUMENT": {"application/pdf"},
}

// Validate checks every rule WhatsApp applies to a new template, so that a
// submission the provider would reject never leaves charla. Each failure
// names its field (name, header.text, body.samples[0], buttons[1].url …).
func Validate(s Submission) error {
	f := problem.Fields{}
	validateName(f, s.Name)
	category := upper(s.Category)
	switch category {
	case CategoryMarketing, CategoryUtility, CategoryAuthentication:
	default:
		f.Add("category", "must be MARKETING, UTILITY or AUTHENTICATION")
	}
	if _, ok := LanguageName(s.Language); !ok {
		f.Add("language", "must be a language WhatsApp supports for templates, such as en_US, es or pt_BR")
	}
	if category == CategoryAuthentication {
		validateAuth(f, s)
		return f.Err()
	}
	if s.Authentication != nil {
		f.Add("authentication", "is only for AUTHENTICATION templates")
	}
	if s.Header != nil {
		validateHeader(f, *s.Header)
	}
	validateBody(f, s.Body)
	if s.Footer != nil {
		validateFooter(f, s.Footer.Text)
	}
	validateButtons(f, s.Buttons)
	return f.Err()
}

func validateName(f problem.Fields, name string) {
	switch {
	case name == "":
		f.Add("name", "is required")
	case len(name) > MaxNameLength:
		f.Add("name", fmt.Sprintf("must be at most %d characters", MaxNameLength))
	case !nameRule.MatchString(name):
		f.Add("name", "may contain only lowercase letters, digits and underscores (e.g. order_update)")
	}
}

func validateHeader(f problem.Fields, h SubmissionHeader) {
	switch upper(h.Format) {
	case "TEXT":
		checkLength(f, "header.text", h.Text, MaxHeaderLength)
		if strings.TrimSpace(h.Text) == "" {
			f.Add("header.text", "is required for a TEXT header")
		}
		if strings.ContainsAny(h.Text, "\r\n") {
			f.Add("header.text", "must be one line")
		}
		vs := variables(h.Text)
		for _, v := range vs {
			if v.N != 1 {
				f.Add("header.text", "may have one variable, written {{1}}")
			}
		}
		if len(vs) > 1 {
			f.Add("header.text", "may have at most one variable")
		}
		if len(vs) > 0 && strings.TrimSpace(h.Sample) == "" {
			f.Add("header.sample", "is required: a sample value for {{1}}")
		}
	case "IMAGE", "VIDEO", "DOCUMENT":
		if h.Text != "" {
			f.Add("header.text", "only a TEXT header has text")
		}
		validateSample(f, upper(h.Format), h.File)
	case "LOCATION":
		if h.Text != "" {
			f.Add("header.text", "only a TEXT header has text")
		}
	default:
		f.Add("header.format", "must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION")
	}
}

// validateSample checks a media header's sample by its content, not by the
// name or type the browser claimed.
func validateSample(f problem.Fields, format string, file *SampleFile) {
	allowed := sampleTypes[format]
	want := strings.Join(allowed, " or ")
	switch {
	case file == nil || len(file.Data) == 0:
		f.Add("header.sample", fmt.Sprintf("is required: a sample file (%s) for the reviewer", want))
	case len(file.Data) > MaxSampleBytes:
		f.Add("header.sample", fmt.Sprintf("must be at most %d MB", MaxSampleBytes>>20))
	default:
		got := sniff(file.Data)
		for _, t := range allowed {
			if got == t {
				return
			}
		}
		f.Add("header.sample", fmt.Sprintf("must be %s; this file is %s", want, got))
	}
}

// sniff is the file's type by its first bytes.
func sniff(data []byte) string {
	t, _, _ := strings.Cut(http.DetectContentType(data), ";")
	return t
}

func validateBody(f problem.Fields, b SubmissionBody) {
	if strings.TrimSpace(b.Text) == "" {
		f.Add("body.text", "is required")
		return
	}
	checkLength(f, "body.text", b.Text, MaxBodyLength)
	vs := variables(b.Text)
	seen := map[int]bool{}
	for _, v := range vs {
		if v.N == 0 {
			f.Add("body.text", fmt.Sprintf("%s is not a variable: write variables as {{1}}, {{2}} …", v.Text))
		}
		seen[v.N] = true
	}
	n := highest(vs)
	for i := 1; i <= n; i++ {
		if !seen[i] {
			f.Add("body.text", fmt.Sprintf("variables must be numbered from {{1}} without gaps: {{%d}} is missing", i))
			break
		}
	}
	trimmed := strings.TrimSpace(b.Text)
	if len(vs) > 0 && (strings.HasPrefix(trimmed, vs[0].Text) || strings.HasSuffix(trimmed, vs[len(vs)-1].Text)) {
		f.Add("body.text", "must not start or end with a variable: WhatsApp rejects such templates")
	}
	for i := 0; i < n; i++ {
		if i >= len(b.Samples) || strings.TrimSpace(b.Samples[i]) == "" {
			f.Add(fmt.Sprintf("body.samples[%d]", i), fmt.Sprintf("is required: a sample value for {{%d}}", i+1))
		}
	}
	for i := n; i < len(b.Samples); i++ {
		if strings.TrimSpace(b.Samples[i]) != "" {
			f.Add(fmt.Sprintf("body.samples[%d]", i), fmt.Sprintf("the body has no {{%d}}", i+1))
		}
	}
}

func validateFooter(f problem.Fields, text string) {
	checkLength(f, "footer.text", text, MaxFooterLength)
	if len(variables(text)) > 0 {
		f.Add("footer.text", "must not contain variables")
	}
}

func validateButtons(f problem.Fields, bs []SubmissionButton) {
	var quick, urls, phones, groups int
	last := ""
	for i, b := range bs {
		p := fmt.Sprintf("buttons[%d]", i)
		typ := upper(b.Type)
		group := "cta"
		switch typ {
		case "QUICK_REPLY":
			quick++
			group = "quick"
			checkLength(f, p+".text", b.Text, MaxQuickReplyLength)
		case "URL":
			urls++
			checkLength(f, p+".text", b.Text, MaxCTALength)
			validateURL(f, p, b)
		case "PHONE_NUMBER":
			phones++
			checkLength(f, p+".text", b.Text, MaxCTALength)
			if !e164.MatchString(b.PhoneNumber) {
				f.Add(p+".phone_number", "must be in international format: + and 8 to 15 digits, e.g. +14155550123")
			}
		default:
			f.Add(p+".type", "must be QUICK_REPLY, URL or PHONE_NUMBER")
			continue
		}
		if strings.TrimSpace(b.Text) == "" {
			f.Add(p+".text", "is required")
		}
		if len(variables(b.Text)) > 0 {
			f.Add(p+".text", "must not contain variables")
		}
		if group != last {
			groups++
			last = group
		}
	}
	switch {
	case len(bs) > MaxButtons:
		f.Add("buttons", fmt.Sprintf("at most %d buttons", MaxButtons))
	case quick > MaxQuickReplies:
		f.Add("buttons", fmt.Sprintf("at most %d quick replies", MaxQuickReplies))
	case urls > 1:
		f.Add("buttons", "at most one URL button")
	case phones > 1:
		f.Add("buttons", "at most one phone number button")
	case groups > 2:
		f.Add("buttons", "quick replies must be together, all before or all after the call-to-action buttons")
	}
}

func validateURL(f problem.Fields, p string, b SubmissionButton) {
	u, err := url.Parse(b.URL)
	switch {
	case b.URL == "":
		f.Add(p+".url", "is required")
		return
	case len(b.URL) > MaxURLLength:
		f.Add(p+".url", fmt.Sprintf("must be at most %d characters", MaxURLLength))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		f.Add(p+".url", "must be a web address starting with https:// or http://")
	}
	vs := variables(b.URL)
	switch {
	case len(vs) > 1:
		f.Add(p+".url", "may have at most one variable, at its end")
	case len(vs) == 1 && (vs[0].N != 1 || vs[0].End != len(b.URL)):
		f.Add(p+".url", "may have one variable, written {{1}} at its very end")
	case len(vs) == 1 && strings.TrimSpace(b.Sample) == "":
		f.Add(p+".sample", "is required: a sample value for the URL's {{1}}")
	}
}

func validateAuth(f problem.Fields, s Submission) {
	if s.Header != nil {
		f.Add("header", "an authentication template has no header")
	}
	if s.Body.Text != "" || len(s.Body.Samples) > 0 {
		f.Add("body.text", "WhatsApp writes an authentication template's text (\"<code> is your verification code.\"); leave it empty")
	}
	if s.Footer != nil && s.Footer.Text != "" {
		f.Add("footer.text", "WhatsApp writes an authentication template's footer; set authentication.code_expiration_minutes instead")
	}
	if len(s.Buttons) > 0 {
		f.Add("buttons", "an authentication template has only WhatsApp's copy-code button; set authentication.button_text to label it")
	}
	if a := s.Authentication; a != nil {
		if a.CodeExpirationMinutes < 0 || a.CodeExpirationMinutes > MaxCodeExpiration {
			f.Add("authentication.code_expiration_minutes", fmt.Sprintf("must be between 1 and %d (0: no expiry notice)", MaxCodeExpiration))
		}
		checkLength(f, "authentication.button_text", a.ButtonText, MaxCTALength)
	}
}

func checkLength(f problem.Fields, field, s string, limit int) {
	if n := utf8.RuneCountInString(s); n > limit {
		f.Add(field, fmt.Sprintf("must be at most %d characters, is %d", limit, n))
	}
}
