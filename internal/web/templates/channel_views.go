package templates

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"charla/internal/businessprofile"
	msgtpl "charla/internal/templates"
)

// This file holds the views of a channel's sub-pages: its message templates,
// business profile and QR code.

// ChannelNav is the tab bar of a channel's settings; a tab shows only when
// the channel's type offers it.
type ChannelNav struct {
	ID, Name, Type string
	// Current is the open tab: settings, templates, profile or qr.
	Current   string
	Templates bool
	Profile   bool
	QR        bool
}

func (n ChannelNav) path(rest ...string) string {
	return settingsPath(append([]string{"channels", n.ID}, rest...)...)
}

// TemplateFilter is the template list's selection, kept in the URL.
type TemplateFilter struct{ Q, Status, Category, Language string }

// Query encodes the filter for links ("" when nothing is chosen).
func (f TemplateFilter) Query() string {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "status": f.Status, "category": f.Category, "language": f.Language} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// Templates is a channel's message template list.
type Templates struct {
	Settings
	Nav       ChannelNav
	Filter    TemplateFilter
	Templates []msgtpl.Template
	Sync      msgtpl.SyncState
}

// Polling tells whether the list should re-read itself: while a template
// awaits review, its approval arrives by webhook.
func (v Templates) Polling() bool {
	return slices.ContainsFunc(v.Templates, func(t msgtpl.Template) bool { return t.Status == msgtpl.StatusPending })
}

func (v Templates) rowsURL() string {
	p := v.Nav.path("templates")
	if q := v.Filter.Query(); q != "" {
		p += "?" + q
	}
	return p
}

// TemplateStatuses are the statuses the list filter offers; others are
// shown as the provider reports them.
var TemplateStatuses = []string{msgtpl.StatusApproved, msgtpl.StatusPending, msgtpl.StatusRejected,
	msgtpl.StatusPaused, msgtpl.StatusDisabled, msgtpl.StatusDeleted}

// TemplateCategories are the categories a template is submitted in, with labels.
var TemplateCategories = []struct{ Value, Label string }{
	{msgtpl.CategoryMarketing, "Marketing"}, {msgtpl.CategoryUtility, "Utility"}, {msgtpl.CategoryAuthentication, "Authentication"},
}

// statusOptions are the filter's statuses, plus a chosen one it lacks.
func statusOptions(chosen string) []string {
	if chosen == "" || slices.Contains(TemplateStatuses, chosen) {
		return TemplateStatuses
	}
	return append(slices.Clone(TemplateStatuses), chosen)
}

func statusClass(s string) string {
	if slices.Contains(TemplateStatuses, s) {
		return "status status-" + strings.ToLower(s)
	}
	return "status status-other"
}

// statusText names a status for people; unknown ones are shown verbatim.
func statusText(s string) string {
	switch s {
	case msgtpl.StatusApproved:
		return "Approved"
	case msgtpl.StatusPending:
		return "Pending review"
	case msgtpl.StatusRejected:
		return "Rejected"
	case msgtpl.StatusPaused:
		return "Paused"
	case msgtpl.StatusDisabled:
		return "Disabled"
	case msgtpl.StatusDeleted:
		return "Deleted"
	case "":
		return "Unknown"
	}
	return s
}

func categoryText(c string) string {
	for _, x := range TemplateCategories {
		if x.Value == c {
			return x.Label
		}
	}
	return c
}

// languageText is "English (US) · en_US", or the code alone when unknown.
func languageText(code string) string {
	if n, ok := msgtpl.LanguageName(code); ok {
		return n + " · " + code
	}
	return code
}

// TemplateForm is the new-template form, as typed.
type TemplateForm struct {
	Settings
	Nav ChannelNav
	In  TemplateInput
}

// TemplateInput is what the new-template form was filled with.
type TemplateInput struct {
	Name, Category, Language string
	AllowCategoryChange      bool
	// HeaderFormat is "" (none), TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.
	HeaderFormat, HeaderText, HeaderSample string
	// HeaderFile names a sample file that was chosen (it must be chosen
	// again after a failed submit: browsers don't keep file inputs).
	HeaderFile              string
	Body                    string
	BodySamples             []string
	Footer                  string
	QuickReplies            [3]string
	URLText, URL, URLSample string
	PhoneText, Phone        string
	AuthSecurity            bool
	AuthExpiry, AuthButton  string
}

// bodyVariable matches the body's {{n}} as the service counts them.
var bodyVariable = regexp.MustCompile(`\{\{([1-9][0-9]{0,2})\}\}`)

// Samples are the sample inputs to show: one per variable of the body, and
// any typed beyond them (so an error about them has its field).
func (in TemplateInput) Samples() []string {
	n := 0
	for _, m := range bodyVariable.FindAllStringSubmatch(in.Body, -1) {
		v, _ := strconv.Atoi(m[1])
		n = max(n, v)
	}
	n = max(n, len(in.BodySamples))
	out := make([]string, n)
	copy(out, in.BodySamples)
	return out
}

// HeaderFormats are the header choices of the form.
var HeaderFormats = []struct{ Value, Label string }{
	{"", "None"}, {"TEXT", "Text"}, {"IMAGE", "Image"}, {"VIDEO", "Video"}, {"DOCUMENT", "Document"}, {"LOCATION", "Location"},
}

func languages() []msgtpl.Language { return msgtpl.SupportedLanguages() }

func varLabel(n int) string { return fmt.Sprintf("{{%d}}", n) }

// Profile is a channel's business profile page.
type Profile struct {
	Settings
	Nav ChannelNav
	// Stored is the profile as last read; nil when it couldn't be read.
	Stored *businessprofile.Stored
	In     ProfileInput
	// Refused is the provider's answer to a change it refused.
	Refused string
	// LoadError says why the profile couldn't be read from the provider.
	LoadError string
}

// ProfileInput is the editable part of a profile, as stored or typed.
type ProfileInput struct {
	About, Address, Description, Email, Vertical string
	Websites                                     [businessprofile.WebsitesMax]string
}

// verticalSet tells whether the provider has an industry for the number:
// once it has, the form offers no empty choice.
func (v Profile) verticalSet() bool {
	return v.Stored != nil && businessprofile.VerticalSet(v.Stored.Profile.Vertical)
}

// verticalOptions are WhatsApp's industries, plus the chosen value when it is
// not one of them, so the form shows what is set rather than silently
// another.
func (v Profile) verticalOptions() []businessprofile.Vertical {
	out := businessprofile.Verticals
	if c := v.In.Vertical; c != "" && businessprofile.VerticalLabel(c) == "" {
		out = append(slices.Clone(out), businessprofile.Vertical{Value: c, Label: c + " (not accepted by WhatsApp; choose another)"})
	}
	return out
}

func (v Profile) descriptionMax() int {
	if v.Stored != nil && v.Stored.Limits.DescriptionMax > 0 {
		return v.Stored.Limits.DescriptionMax
	}
	return businessprofile.CloudLimits.DescriptionMax
}

// QR is a channel's chat link and QR code page.
type QR struct {
	Settings
	Nav ChannelNav
	// Link is the chat link ("" when it can't be built; LinkError says why).
	Link      string
	LinkError string
	// Text is the message to prefill; Prefill tells whether the type has one.
	Text    string
	Prefill bool
	Sizes   []int
}

// pngURL is the QR code PNG of the page's link at size.
func (v QR) pngURL(size int) string {
	q := url.Values{"size": {strconv.Itoa(size)}}
	if v.Text != "" {
		q.Set("text", v.Text)
	}
	return v.Nav.path("qr.png") + "?" + q.Encode()
}
