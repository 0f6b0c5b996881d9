package templates

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"charla/internal/broadcast"
	msgtpl "charla/internal/templates"
)

// This file holds the broadcast pages' view structs and the little
// formatting they need; the pages are broadcasts.templ and broadcast_form.templ.

// BroadcastStatuses are a broadcast's statuses, in the list filter's order.
var BroadcastStatuses = []string{broadcast.Draft, broadcast.Scheduled, broadcast.Running, broadcast.Paused,
	broadcast.Completed, broadcast.Cancelled}

// RecipientStatuses are the recipient table's filters ("replied": those who replied).
var RecipientStatuses = []string{broadcast.Pending, broadcast.Queued, broadcast.Held, broadcast.Sent, broadcast.Delivered,
	broadcast.Read, broadcast.Failed, broadcast.Skipped, broadcast.Cancelled, "replied"}

// BroadcastList is the broadcasts page.
type BroadcastList struct {
	Layout Layout
	Notice string
	// Status filters the list ("" for all).
	Status string
	Rows   []BroadcastRow
	// Cursor is where this page starts ("" for the first), Next where the following one does.
	Cursor, Next string
	// Manage offers "New broadcast" (owners and admins).
	Manage bool
}

// BroadcastRow is one broadcast of the list.
type BroadcastRow struct {
	B       broadcast.Broadcast
	Channel string
	// Audience describes who it goes to before it starts ("Segment VIP").
	Audience string
}

// BroadcastPage is one broadcast: its draft summary and estimate before it
// starts, its live progress and recipients after.
type BroadcastPage struct {
	Layout Layout
	Notice string
	Errors Errors
	Live   BroadcastLive
	// Channel names the broadcast's channel.
	Channel  string
	Audience string
	Content  BroadcastContent
	// Estimate is shown while the broadcast can still be started; EstimateErr
	// says why there is none.
	Estimate    *broadcast.Estimate
	EstimateErr string
	Recipients  BroadcastRecipients
}

// BroadcastContent is what a broadcast sends, as it will look.
type BroadcastContent struct {
	Template *broadcast.Template
	// Preview is the template with each contact field shown by name; nil
	// when the template is no longer on the channel.
	Preview *msgtpl.Preview
	Text    string
}

// BroadcastLive is the part of a broadcast's page that follows it live:
// status, progress, counts and the actions its status allows.
type BroadcastLive struct {
	B      broadcast.Broadcast
	Manage bool
	// Override offers starting (or resuming) past the messaging limit,
	// which the estimate says the audience won't fit.
	Override bool
	// Retryable tells whether some failed recipient may get it by sending again.
	Retryable bool
}

// BroadcastRecipients is a page of a broadcast's recipients.
type BroadcastRecipients struct {
	ID string
	// Status filters the table ("" for all); After is this page's cursor.
	Status, After string
	Rows          []broadcast.Recipient
	Next          string
}

// BroadcastReport is a broadcast's report page.
type BroadcastReport struct {
	Layout  Layout
	R       broadcast.Report
	Channel string
	Manage  bool
}

// canRetry offers "Retry failed" when some failure may pass by sending again.
func (v BroadcastReport) canRetry() bool {
	return BroadcastLive{B: v.R.Broadcast, Manage: v.Manage, Retryable: ReportRetryable(v.R)}.canRetry()
}

// ReportRetryable tells whether a report has failures that may pass by sending again.
func ReportRetryable(r broadcast.Report) bool {
	for _, f := range r.Failures {
		if f.Retryable {
			return true
		}
	}
	return false
}

// BroadcastForm creates (ID "") or edits a draft or scheduled broadcast.
type BroadcastForm struct {
	Layout   Layout
	Errors   Errors
	ID       string
	Name     string
	Channels []BroadcastChannel
	// ChannelID is the chosen channel; on edit it cannot change.
	ChannelID string
	Content   BroadcastFormContent
	Audience  BroadcastFormAudience
	// When is "now" or "later"; ScheduledAt the wall-clock time in TimeZone
	// ("2026-12-01T09:30").
	When        string
	ScheduledAt string
	TimeZone    string
}

// BroadcastChannel is a channel the form offers.
type BroadcastChannel struct{ ID, Name, Type string }

// BroadcastFormContent is the message part of the form, which depends on
// the channel: an approved template with its variables (WhatsApp), or text.
type BroadcastFormContent struct {
	ChannelID string
	// Templates tells whether the channel sends templates.
	Templates  bool
	Options    []TemplateOption
	TemplateID string
	// Vars are the chosen template's inputs and preview (the composer's).
	Vars TemplateVars
	// Sample names the contact the preview is filled for ("" when none).
	Sample string
	Text   string
	// ManageTemplates links the channel's templates.
	ManageTemplates string
	Errors          Errors
}

// BroadcastFormAudience is the audience part of the form: a saved segment
// or an uploaded list.
type BroadcastFormAudience struct {
	// Kind is "segment" or "csv".
	Kind      string
	Segments  []SegmentOption
	SegmentID string
	Segment   BroadcastSegmentInfo
	CSV       *BroadcastCSV
	// Kept is how many contacts an earlier upload listed; KeptIDs carries
	// them when the draft isn't saved yet.
	Kept    int
	KeptIDs string
	Region  string
	Errors  Errors
}

// SegmentOption is a saved segment the form offers.
type SegmentOption struct{ ID, Name string }

// BroadcastSegmentInfo is the chosen segment's live count.
type BroadcastSegmentInfo struct {
	Chosen bool
	Count  int
	Err    string
	// SampleID is a contact of the segment, whom the preview is filled for.
	SampleID string
}

// BroadcastCSV is an uploaded list as read.
type BroadcastCSV struct {
	P broadcast.CSVPreview
	// Err is why the file can't be used at all.
	Err string
}

// bcCSVShown is how many rows a list preview shows.
const bcCSVShown = 100

// Shown are the rows to show: all of a short list; of a long one, those
// with a problem first.
func (c BroadcastCSV) Shown() []broadcast.CSVRow {
	if len(c.P.Rows) <= bcCSVShown {
		return c.P.Rows
	}
	out := make([]broadcast.CSVRow, 0, bcCSVShown)
	for _, r := range c.P.Rows {
		if r.Error != "" && len(out) < bcCSVShown {
			out = append(out, r)
		}
	}
	for _, r := range c.P.Rows {
		if r.Error == "" && len(out) < bcCSVShown {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// Hidden is how many rows the preview leaves out.
func (c BroadcastCSV) Hidden() int { return len(c.P.Rows) - len(c.Shown()) }

// BroadcastDynamic lists the contact fields a broadcast's template variables
// may be filled with: the composer's built-in ones but the agent's (a
// broadcast has no agent), then custom attributes. sample are a contact's
// values (templates.ResolveVars), shown as examples; nil for none.
func BroadcastDynamic(sample map[string]string) []DynamicValue {
	out := make([]DynamicValue, 0, len(builtinVars)+len(sample))
	builtin := map[string]bool{}
	for _, b := range builtinVars {
		builtin[b.Name] = true
		if !strings.HasPrefix(b.Name, "contact.") {
			continue
		}
		label := b.Label
		if v, ok := sample[b.Name]; ok {
			label += " (e.g. " + v + ")"
		}
		out = append(out, DynamicValue{Token: "{{" + b.Name + "}}", Label: label})
	}
	var attrs []string
	for k := range sample {
		if !builtin[k] && strings.HasPrefix(k, "contact.") {
			attrs = append(attrs, k)
		}
	}
	sort.Strings(attrs)
	for _, k := range attrs {
		out = append(out, DynamicValue{Token: "{{" + k + "}}", Label: strings.TrimPrefix(k, "contact.") + " (e.g. " + sample[k] + ")"})
	}
	return out
}

// broadcastPath is /broadcasts/{id}/rest….
func broadcastPath(id string, rest ...string) string {
	p := "/broadcasts/" + url.PathEscape(id)
	for _, s := range rest {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// BroadcastStatusText names a broadcast status for people.
func BroadcastStatusText(s string) string {
	switch s {
	case broadcast.Draft:
		return "Draft"
	case broadcast.Scheduled:
		return "Scheduled"
	case broadcast.Running:
		return "Running"
	case broadcast.Paused:
		return "Paused"
	case broadcast.Completed:
		return "Completed"
	case broadcast.Cancelled:
		return "Cancelled"
	}
	return s
}

func bcStatusClass(s string) string { return "status bc-status bc-status-" + s }

// recipientStatusText names a recipient status (or the "replied" filter).
func bcRecipientStatusText(s string) string {
	switch s {
	case broadcast.Pending:
		return "Waiting"
	case broadcast.Queued:
		return "Queued"
	case broadcast.Held:
		return "Held (paused)"
	case broadcast.Sent:
		return "Sent"
	case broadcast.Delivered:
		return "Delivered"
	case broadcast.Read:
		return "Read"
	case broadcast.Failed:
		return "Failed"
	case broadcast.Skipped:
		return "Skipped"
	case broadcast.Cancelled:
		return "Cancelled"
	case "replied":
		return "Replied"
	}
	return s
}

// Done is how many recipients are finished with: handed to the provider,
// failed, skipped or cancelled.
func (v BroadcastLive) Done() int {
	c := v.B.Counts
	return c.Sent + c.Failed + c.Skipped + c.Cancelled
}

// Percent is Done of the total, rounded down, for the progress bar's text.
func (v BroadcastLive) Percent() int {
	if v.B.Counts.Total == 0 {
		return 0
	}
	return int(math.Floor(100 * float64(v.Done()) / float64(v.B.Counts.Total)))
}

// What the broadcast's status allows.
func (v BroadcastLive) canStart() bool  { return v.Manage && v.B.Status == broadcast.Draft }
func (v BroadcastLive) canEdit() bool   { return v.Manage && bcEditable(v.B.Status) }
func (v BroadcastLive) canPause() bool  { return v.Manage && v.B.Status == broadcast.Running }
func (v BroadcastLive) canResume() bool { return v.Manage && v.B.Status == broadcast.Paused }
func (v BroadcastLive) canCancel() bool {
	return v.Manage && (v.B.Status == broadcast.Scheduled || v.B.Status == broadcast.Running || v.B.Status == broadcast.Paused)
}
func (v BroadcastLive) canRetry() bool {
	s := v.B.Status
	return v.Manage && v.Retryable && v.B.Counts.Failed > 0 &&
		(s == broadcast.Running || s == broadcast.Paused || s == broadcast.Completed)
}
func (v BroadcastLive) canDelete() bool {
	s := v.B.Status
	return v.Manage && (s == broadcast.Draft || s == broadcast.Scheduled || s == broadcast.Completed || s == broadcast.Cancelled)
}

func bcEditable(status string) bool {
	return status == broadcast.Draft || status == broadcast.Scheduled
}

// started tells whether the broadcast has recipients to show.
func bcStarted(status string) bool { return status != broadcast.Draft && status != broadcast.Scheduled }

// startLabel is the draft's start button: now, or at its time.
func bcStartLabel(b broadcast.Broadcast) string {
	if b.ScheduledAt != nil {
		return "Schedule for " + ScheduledText(b)
	}
	return "Send now"
}

// ScheduledText is a broadcast's time in the zone it was chosen in.
func ScheduledText(b broadcast.Broadcast) string {
	if b.ScheduledAt == nil {
		return ""
	}
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil || b.TimeZone == "" {
		return b.ScheduledAt.UTC().Format("Mon, 2 Jan 2006 15:04") + " UTC"
	}
	return b.ScheduledAt.In(loc).Format("Mon, 2 Jan 2006 15:04") + " (" + b.TimeZone + ")"
}

// count formats a number with thousands separators: 12,345.
func bcCount(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// percent is a rate for people: "96.5%".
func bcPercent(r float64) string {
	return strconv.FormatFloat(math.Round(r*1000)/10, 'f', -1, 64) + "%"
}

// duration is an estimate's length in words: "about 2 min 5 s".
func bcDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "no time"
	case d < time.Second:
		return "under a second"
	case d < time.Minute:
		return fmt.Sprintf("about %d s", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("about %d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("about %d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// limitText says what is left of the number's messaging limit.
func bcLimitText(e broadcast.Estimate) string {
	switch {
	case e.Limit < 0:
		return "No limit applies"
	case e.Limit == 0:
		return "Not known yet"
	}
	return fmt.Sprintf("%s new contacts a day: %s used in the last 24 hours, %s left", bcCount(e.Limit), bcCount(e.Used), bcCount(e.LimitLeft))
}

// recipientName is how a recipient is called: name, else phone.
func bcRecipientName(r broadcast.Recipient) string {
	switch {
	case strings.TrimSpace(r.Name) != "":
		return r.Name
	case r.Phone != "":
		return r.Phone
	}
	return "Deleted contact"
}

// recipientsURL is the recipients table filtered by status, from cursor after.
func (v BroadcastRecipients) url(status, after string) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if after != "" {
		q.Set("after", after)
	}
	p := broadcastPath(v.ID, "recipients")
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// pageURL is the broadcast page showing the table filtered by status.
func (v BroadcastRecipients) pageURL(status string) string {
	if status == "" {
		return broadcastPath(v.ID) + "#recipients"
	}
	return broadcastPath(v.ID) + "?" + url.Values{"rstatus": {status}}.Encode() + "#recipients"
}

// listURL is the broadcasts list with a status filter and cursor.
func bcListURL(status, cursor string) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/broadcasts"
	}
	return "/broadcasts?" + q.Encode()
}

// bcLabels name the broadcast form's fields (the service's names) in messages.
var bcLabels = map[string]string{
	"name": "Name", "channel_id": "Channel", "text": "Text", "template": "Template", "template_id": "Template",
	"template.name": "Template", "template.values": "Template values", "audience": "Audience",
	"audience.segment_id": "Segment", "audience.contact_ids": "Contact list", "file": "File",
	"time_zone": "Time zone", "scheduled_at": "Send time",
}

// BroadcastFieldMessage says what is wrong with one of the broadcast's
// fields as a sentence; a template value's field ("template.values.body.{{1}}")
// is named as the composer names it ("Body {{1}}").
func BroadcastFieldMessage(field, msg string) string {
	label, ok := bcLabels[field]
	if !ok {
		if rest, cut := strings.CutPrefix(field, "template.values."); cut {
			label = FieldLabel(rest)
		} else if rest, cut := strings.CutPrefix(field, "audience.filter."); cut {
			label = "Segment filter " + FieldLabel(rest)
		} else {
			label = FieldLabel(field)
		}
	}
	for _, verb := range []string{"is ", "must ", "can't ", "are ", "has ", "may ", "uses "} {
		if strings.HasPrefix(msg, verb) {
			return label + " " + msg
		}
	}
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

// bcFieldError is a field's problem as a sentence, with the form part it belongs to.
type bcFieldError struct{ Part, Msg string }

// bcFieldMessages are the problems of the fields named, or under one of
// the prefixes ("audience" takes "audience.segment_id"), in a stable order.
func bcFieldMessages(e Errors, names ...string) []bcFieldError {
	var keys []string
	part := map[string]string{}
	for k := range e.Fields {
		for _, n := range names {
			if k == n || strings.HasPrefix(k, n+".") {
				keys = append(keys, k)
				part[k] = n
				break
			}
		}
	}
	sort.Strings(keys)
	out := make([]bcFieldError, len(keys))
	for i, k := range keys {
		out[i] = bcFieldError{Part: part[k], Msg: BroadcastFieldMessage(k, e.Fields[k])}
	}
	return out
}

// TimeZones are offered for schedules (any IANA zone may be typed).
var TimeZones = []string{"UTC", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
	"America/Mexico_City", "America/Bogota", "America/Lima", "America/Santiago", "America/Argentina/Buenos_Aires",
	"America/Sao_Paulo", "Atlantic/Azores", "Europe/London", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris",
	"Europe/Berlin", "Europe/Rome", "Europe/Warsaw", "Europe/Athens", "Europe/Istanbul", "Europe/Moscow",
	"Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Karachi",
	"Asia/Kolkata", "Asia/Dhaka", "Asia/Jakarta", "Asia/Bangkok", "Asia/Singapore", "Asia/Manila",
	"Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland"}

// recipientsQuery is the broadcast page's query for a recipients filter and cursor.
func bcRecipientsQuery(status, after string) string {
	q := url.Values{}
	if status != "" {
		q.Set("rstatus", status)
	}
	if after != "" {
		q.Set("after", after)
	}
	return q.Encode()
}

// sentence makes a service's message a sentence: capitalised, with a full stop.
func bcSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if !strings.HasPrefix(s, "charla ") { // the name stays as it is written
		r, n := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

// channelName names channel id among cs.
func bcChannelName(cs []BroadcastChannel, id string) string {
	for _, c := range cs {
		if c.ID == id {
			return c.Name + " · " + TypeLabel(c.Type)
		}
	}
	return "Deleted channel"
}
