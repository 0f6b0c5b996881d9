package templates

import (
	"fmt"
	"hash/fnv"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"charla/internal/auth"
	"charla/internal/inbox"
	msgtpl "charla/internal/templates"
)

// Ago is a short relative time for lists: "now", "5m", "3h", "2d", "Jan 2".
func Ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case t.Year() == time.Now().Year():
		return t.UTC().Format("Jan 2")
	}
	return t.UTC().Format("Jan 2, 2006")
}

// isoTime is for <time datetime>; app.js shows it in the browser's time zone.
func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// clock is the UTC fallback shown until app.js localises it.
func clock(t time.Time) string { return t.UTC().Format("Jan 2 15:04") + " UTC" }

// fullTime is for tooltips.
func fullTime(t time.Time) string { return t.UTC().Format("Mon, 2 Jan 2006 15:04:05 UTC") }

// ContactName is how a conversation's contact is called: name, else phone, else email.
func ContactName(c inbox.ContactSummary) string {
	switch {
	case strings.TrimSpace(c.Name) != "":
		return c.Name
	case c.Phone != "":
		return c.Phone
	case c.Email != "":
		return c.Email
	}
	return "Visitor"
}

// initial is the letter on an avatar.
func initial(name string) string {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return strings.ToUpper(string(r))
		}
	}
	return "?"
}

// avatarClass picks one of eight colours, stable per id, so a contact keeps its colour.
func avatarClass(id string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return fmt.Sprintf("avatar av-%d", h.Sum32()%8)
}

// senderName says who wrote m.
func senderName(m inbox.Message, contact string) string {
	if m.Sender.Name != "" {
		return m.Sender.Name
	}
	switch m.Sender.Type {
	case "contact":
		return contact
	case "user":
		return "Former agent"
	case "bot":
		return "Bot"
	}
	return "System"
}

// statusLabel explains an outgoing message's ticks to screen readers and tooltips.
func statusLabel(status string) string {
	switch status {
	case inbox.Queued:
		return "Queued"
	case inbox.Sending:
		return "Sending"
	case inbox.Sent:
		return "Sent"
	case inbox.Delivered:
		return "Delivered"
	case inbox.Read:
		return "Read"
	case inbox.Failed:
		return "Not delivered"
	}
	return status
}

// ticks is the glyph for a status past queued (which shows a clock icon):
// one tick, two ticks, or "!".
func ticks(status string) string {
	switch status {
	case inbox.Sent:
		return "✓"
	case inbox.Delivered, inbox.Read:
		return "✓✓"
	case inbox.Failed:
		return "!"
	}
	return ""
}

func failReason(e *inbox.SendError) string {
	switch {
	case e == nil:
		return "unknown error"
	case e.Reason != "":
		return e.Reason
	case e.Code != "":
		// A WhatsApp template error (1320xx) stored without its
		// explanation still gets one.
		if n, err := strconv.Atoi(e.Code); err == nil && n >= 132000 && n < 132100 {
			return msgtpl.Explain(n)
		}
		return e.Code
	}
	return "unknown error"
}

// templateMissing tells whether a send failed because WhatsApp doesn't have
// the template (132001): syncing shows which templates it does have.
func templateMissing(e *inbox.SendError) bool {
	return e != nil && e.Code == strconv.Itoa(msgtpl.ErrTemplateMissing)
}

// inlineImage tells whether an attachment may be shown in an <img>; the
// attachment handler serves exactly these types inline.
func inlineImage(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return InlineTypes[mt]
}

// InlineTypes are the image types safe to display; anything else (SVG
// included, which can carry script) is only ever downloaded.
var InlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// size is a human file size.
func size(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// FieldLabel names a form field in messages ("settings.allowed_origins" → "Allowed origins").
func FieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	if l, ok := indexedLabel(field); ok {
		return l
	}
	field = strings.TrimPrefix(strings.TrimPrefix(field, "settings."), "secrets.")
	field = strings.ReplaceAll(field, "_", " ")
	if field == "" {
		return field
	}
	r, n := utf8.DecodeRuneInString(field)
	return string(unicode.ToUpper(r)) + field[n:]
}

// FieldMessage says what is wrong with a field as a sentence: "Email is
// required", but "Write a message or attach a file" for messages that already
// name what to do.
func FieldMessage(field, msg string) string {
	for _, verb := range []string{"is ", "must ", "can't ", "are ", "has ", "may ", "uses "} {
		if strings.HasPrefix(msg, verb) {
			return FieldLabel(field) + " " + msg
		}
	}
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

var fieldLabels = map[string]string{
	"workspace_name": "Workspace name", "body": "Message", "file": "File",
	"settings.allowed_origins": "Allowed origins", "assignee_id": "Agent", "team_id": "Team",
	"template_name": "Template name", "template_language": "Template language", "template_param": "Parameter",
	"reply_to_id": "Quoted message", "target_id": "Reaction", "emoji": "Reaction", "kind": "Message",
	"settings.phone_number_id": "Phone number ID", "settings.waba_id": "WhatsApp Business Account ID", "settings.app_id": "Meta app ID",
	"settings.graph_url": "Graph API URL", "settings.api_version": "API version", "settings.base_url": "API base URL",
	"secrets.api_key": "API key", "secrets.app_secret": "App secret", "secrets.access_token": "Access token",
	// Templates: the new-template form and the composer.
	"template": "Template", "template_id": "Template", "app_id": "Meta app ID",
	"header": "Header", "header.format": "Header type", "header.text": "Header text", "header.sample": "Header sample",
	"header.media": "Header media", "header.location": "Header location",
	"body.text": "Body", "footer.text": "Footer", "buttons": "Buttons",
	"url_button.text": "Link button text", "url_button.url": "Link", "url_button.sample": "Link sample",
	"phone_button.text": "Call button text", "phone_button.phone_number": "Phone number",
	"authentication": "Authentication options", "authentication.code_expiration_minutes": "Code expiry",
	"authentication.button_text": "Copy-code button text",
	// Business profile.
	"about": "About", "vertical": "Industry", "websites": "Websites", "photo": "Photo",
}

// indexedFields are the field names that carry a position, with their labels.
var indexedFields = []struct {
	re    *regexp.Regexp
	label func(n int) string
}{
	{regexp.MustCompile(`^body\.samples\[(\d+)\]$`), func(n int) string { return fmt.Sprintf("Sample for {{%d}}", n+1) }},
	{regexp.MustCompile(`^body\.\{\{(\d+)\}\}$`), func(n int) string { return fmt.Sprintf("Body {{%d}}", n) }},
	{regexp.MustCompile(`^header\.\{\{(\d+)\}\}$`), func(n int) string { return fmt.Sprintf("Header {{%d}}", n) }},
	{regexp.MustCompile(`^buttons\[(\d+)\](?:\.\{\{1\}\})?$`), func(n int) string { return fmt.Sprintf("Button %d", n+1) }},
	{regexp.MustCompile(`^quick_replies\[(\d+)\]$`), func(n int) string { return fmt.Sprintf("Quick reply %d", n+1) }},
	{regexp.MustCompile(`^websites\[(\d+)\]$`), func(n int) string { return fmt.Sprintf("Website %d", n+1) }},
}

// indexedLabel names a positional field ("body.samples[0]" → "Sample for {{1}}").
func indexedLabel(field string) (string, bool) {
	for _, f := range indexedFields {
		if m := f.re.FindStringSubmatch(field); m != nil {
			n, _ := strconv.Atoi(m[1])
			return f.label(n), true
		}
	}
	return "", false
}

// runes counts characters as WhatsApp's limits do.
func runes(s string) int { return utf8.RuneCountInString(s) }

func roleLabel(r string) string {
	switch r {
	case "owner":
		return "Owner"
	case "admin":
		return "Admin"
	}
	return "Agent"
}

var tabs = []struct{ Value, Label string }{{"all", "All"}, {"mine", "Mine"}, {"unassigned", "Unassigned"}}

var statuses = []struct{ Value, Label string }{
	{inbox.Open, "Open"}, {inbox.Pending, "Pending"}, {inbox.Snoozed, "Snoozed"}, {inbox.Closed, "Closed"},
}

func statusName(s string) string {
	for _, st := range statuses {
		if st.Value == s {
			return st.Label
		}
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// channelName names an identity's channel, which may have been deleted since.
func channelName(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "Deleted channel"
}

func isMember(members []auth.User, userID string) bool {
	for _, m := range members {
		if m.ID == userID {
			return true
		}
	}
	return false
}

func inboxSummary(c Contact) inbox.ContactSummary {
	return inbox.ContactSummary{ID: c.Contact.ID, Name: c.Contact.Name, Email: c.Contact.Email, Phone: c.Contact.Phone}
}
