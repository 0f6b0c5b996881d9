package templates

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/inbox"
)

// This file holds the views of the contacts pages: the list with its filter
// builder and saved segments, and one contact's page.

// SegmentDraft is the filter builder as the user left it: the conditions they
// added, possibly incomplete or invalid, in the form's own terms (dates as
// typed, durations as a number and a unit). It round-trips through the URL,
// so a filtered list can be shared. A nil condition is not in the builder.
type SegmentDraft struct {
	Q          string
	Tags       *TagsDraft
	Attrs      []AttrDraft
	Channel    *string
	Inbound    *InboundDraft
	Created    *CreatedDraft
	Subscribed *string
}

// TagsDraft is a tag condition: Mode any, all or none; Tags separated by commas.
type TagsDraft struct{ Mode, Tags string }

// AttrDraft is one custom attribute condition.
type AttrDraft struct{ Key, Op, Value string }

// InboundDraft is the last-message condition: Mode within, older_than or
// never; N a whole number of Unit (m, h, d or w).
type InboundDraft struct{ Mode, N, Unit string }

// CreatedDraft is the creation date range, as YYYY-MM-DD; both ends are
// included (the end date's whole day counts).
type CreatedDraft struct{ From, To string }

// MaxAttrConditions is how many attribute conditions the builder offers,
// as many as a filter accepts.
const MaxAttrConditions = 20

// Values encodes the draft as the builder's form does.
func (d SegmentDraft) Values() url.Values {
	v := url.Values{"f": {"1"}}
	if d.Q != "" {
		v.Set("q", d.Q)
	}
	if d.Tags != nil {
		v.Set("tags_mode", d.Tags.Mode)
		v.Set("tags", d.Tags.Tags)
	}
	for _, a := range d.Attrs {
		v.Add("attr_key", a.Key)
		v.Add("attr_op", a.Op)
		v.Add("attr_value", a.Value)
	}
	if d.Channel != nil {
		v.Set("channel", *d.Channel)
	}
	if d.Inbound != nil {
		v.Set("inbound_mode", d.Inbound.Mode)
		v.Set("inbound_n", d.Inbound.N)
		v.Set("inbound_unit", d.Inbound.Unit)
	}
	if d.Created != nil {
		v.Set("created_from", d.Created.From)
		v.Set("created_to", d.Created.To)
	}
	if d.Subscribed != nil {
		v.Set("subscribed", *d.Subscribed)
	}
	return v
}

// Empty tells whether the draft selects every contact.
func (d SegmentDraft) Empty() bool {
	return d.Q == "" && d.Tags == nil && len(d.Attrs) == 0 && d.Channel == nil && d.Inbound == nil && d.Created == nil && d.Subscribed == nil
}

// ContactsPage is /contacts: saved segments beside the filter builder, its
// live count and the matching contacts.
type ContactsPage struct {
	Layout   Layout
	Segments []contacts.Segment
	// Segment is the applied saved segment, nil for an ad hoc filter.
	Segment *contacts.Segment
	// CanManage shows the controls that save, change and delete segments.
	CanManage bool
	Channels  []channel.Channel
	Draft     SegmentDraft
	// Errors are the conditions' problems, keyed by the filter's field
	// names ("tags.tags", "attributes[2].value" with the builder's row
	// index …), and the segment's "name".
	Errors Errors
	// Incomplete names the conditions left blank, which are not applied yet:
	// "tags", "attr-2", "channel", "inbound", "created".
	Incomplete map[string]bool
	// FailedForm is the segment form whose save failed ("create" or
	// "update"), and Name what it held.
	FailedForm string
	Name       string
	Notice     string
	Results    ContactResults
}

// ContactResults is the live count and one page of matching contacts.
type ContactResults struct {
	Count int
	// Invalid is set when the conditions can't be applied as they are.
	Invalid bool
	Rows    []ContactRow
	// Cursor is where this page starts ("" first); More is the next page's URL.
	Cursor string
	More   string
}

// ContactRow is a contact in the list.
type ContactRow struct {
	Contact contacts.Contact
	// Channels name the channels the contact has an identity on.
	Channels []string
	// LastActivity is the latest activity over the contact's conversations.
	LastActivity *time.Time
	OptedOut     bool
}

func (v ContactsPage) title() string {
	if v.Segment != nil {
		return v.Segment.Name
	}
	return "Contacts"
}

func (v ContactsPage) canAddAttr() bool { return len(v.Draft.Attrs) < MaxAttrConditions }

// conditionSlots are the places a condition's notes (errors, "not applied")
// show, one per condition in the builder.
func (v ContactsPage) conditionSlots() []string {
	s := []string{"query", "attrs"}
	if v.Draft.Tags != nil {
		s = append(s, "tags")
	}
	for i := range v.Draft.Attrs {
		s = append(s, "attr-"+strconv.Itoa(i))
	}
	for name, on := range map[string]bool{"channel": v.Draft.Channel != nil, "inbound": v.Draft.Inbound != nil,
		"created": v.Draft.Created != nil, "subscribed": v.Draft.Subscribed != nil} {
		if on {
			s = append(s, name)
		}
	}
	sort.Strings(s)
	return s
}

var attrField = regexp.MustCompile(`^attributes\[(\d+)\]\.(key|op|value)$`)

// slotOf is the condition slot a problem's field belongs to ("" for name).
func slotOf(field string) string {
	if m := attrField.FindStringSubmatch(field); m != nil {
		return "attr-" + m[1]
	}
	switch {
	case field == "query":
		return "query"
	case field == "tags" || strings.HasPrefix(field, "tags."):
		return "tags"
	case field == "attributes":
		return "attrs"
	case field == "channel_id":
		return "channel"
	case field == "last_inbound" || strings.HasPrefix(field, "last_inbound."):
		return "inbound"
	case field == "created_from" || field == "created_to":
		return "created"
	case field == "subscribed":
		return "subscribed"
	}
	return ""
}

// condProblem is one problem shown under a condition.
type condProblem struct{ Field, Message string }

// problemsIn lists the problems of one condition slot, in field order.
func (v ContactsPage) problemsIn(slot string) []condProblem {
	var out []condProblem
	for f, msg := range v.Errors.Fields {
		if slotOf(f) == slot {
			out = append(out, condProblem{f, conditionMessage(f, msg)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// conditionMessage says what is wrong in the builder's words.
func conditionMessage(field, msg string) string {
	label := "This condition"
	if m := attrField.FindStringSubmatch(field); m != nil {
		label = map[string]string{"key": "Attribute", "op": "Comparison", "value": "Value"}[m[2]]
	} else if l, ok := conditionLabels[field]; ok {
		label = l
	}
	msg = strings.NewReplacer("created_from", "the start date", "older_than", "older than").Replace(msg)
	for _, verb := range []string{"is ", "must ", "can't ", "are ", "has "} {
		if strings.HasPrefix(msg, verb) {
			return label + " " + msg
		}
	}
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

var conditionLabels = map[string]string{
	"query": "Search", "tags": "Tags", "tags.mode": "Match", "tags.tags": "Tags", "attributes": "Attribute conditions",
	"channel_id": "Channel", "last_inbound": "Last message", "last_inbound.within": "Time",
	"last_inbound.older_than": "Time", "created_from": "Start date", "created_to": "End date", "subscribed": "Broadcasts",
}

// nameIn is what the name field of form shows: what was typed there if its
// save failed, else saved.
func (v ContactsPage) nameIn(form, saved string) string {
	if v.FailedForm == form {
		return v.Name
	}
	return saved
}

// nameProblem is the save form's problem with the segment name.
func (v ContactsPage) nameProblem() string {
	if msg := v.Errors.Field("name"); msg != "" {
		return FieldMessage("name", msg)
	}
	return ""
}

// query is the list's state for links, without a cursor.
func (v ContactsPage) query() url.Values {
	q := v.Draft.Values()
	if v.Segment != nil {
		q.Set("segment", v.Segment.ID)
	}
	return q
}

// ContactsURL is the address of the list in this state.
func (v ContactsPage) ContactsURL() string {
	if v.Segment == nil && v.Draft.Empty() {
		return "/contacts"
	}
	return "/contacts?" + v.query().Encode()
}

// MoreURL is the address of the page after cursor.
func (v ContactsPage) MoreURL(cursor string) string {
	q := v.query()
	q.Set("cursor", cursor)
	return "/contacts?" + q.Encode()
}

func savedSegmentURL(id string) string { return "/contacts?segment=" + url.QueryEscape(id) }

func savedSegmentPath(id, rest string) string { return "/segments/" + url.PathEscape(id) + rest }

// TagModes are the tag condition's modes, with labels.
var TagModes = []struct{ Value, Label string }{
	{contacts.TagsAny, "has any of"}, {contacts.TagsAll, "has all of"}, {contacts.TagsNone, "has none of"},
}

// AttrOps are the attribute comparisons, with labels.
var AttrOps = []struct{ Value, Label string }{
	{contacts.OpEq, "is"}, {contacts.OpNeq, "is not"}, {contacts.OpContains, "contains"},
	{contacts.OpGt, "is greater than"}, {contacts.OpLt, "is less than"},
	{contacts.OpExists, "is set"}, {contacts.OpNotExists, "is not set"},
}

// InboundModes are the last-message condition's modes, with labels.
var InboundModes = []struct{ Value, Label string }{
	{"within", "within the last"}, {"older_than", "more than … ago"}, {"never", "never wrote"},
}

// AgeUnits are the units of a last-message duration.
var AgeUnits = []struct{ Value, Label string }{{"m", "minutes"}, {"h", "hours"}, {"d", "days"}, {"w", "weeks"}}

// channelKnown tells whether id is one of the workspace's channels.
func channelKnown(chans []channel.Channel, id string) bool {
	for _, c := range chans {
		if c.ID == id {
			return true
		}
	}
	return false
}

func contactRowName(c contacts.Contact) string {
	return ContactName(inbox.ContactSummary{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone})
}

func matchCountLabel(n int) string {
	if n == 1 {
		return "1 contact matches"
	}
	return fmt.Sprintf("%d contacts match", n)
}

// ContactPage is one contact's page.
type ContactPage struct {
	Layout  Layout
	Contact contacts.Contact
	// Channels names the workspace's channels by id, for identities.
	Channels      map[string]string
	Conversations []inbox.Conversation
	// MoreConversations is set when only the most recent are listed.
	MoreConversations bool
	Subscription      Subscription
}

// Subscription is whether broadcasts reach the contact, with what changes it.
type Subscription struct {
	ContactID string
	// OptOut is nil while the contact is subscribed.
	OptOut *contacts.OptOut
	// Reason is what the unsubscribe form holds.
	Reason string
	Errors Errors
	Notice string
}

// optOutSourceLabel names where an opt-out came from.
func optOutSourceLabel(s string) string {
	switch s {
	case contacts.OptOutKeyword:
		return "keyword"
	case contacts.OptOutQuickReply:
		return "quick reply"
	case contacts.OptOutAgent:
		return "agent"
	case contacts.OptOutAPI:
		return "API"
	}
	return s
}

// attrLine is one custom attribute for display.
type attrLine struct{ Key, Value string }

// sortedAttributes lists a contact's attributes by key, values as text.
func sortedAttributes(m map[string]any) []attrLine {
	out := make([]attrLine, 0, len(m))
	for k, v := range m {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			s = fmt.Sprint(x)
		}
		out = append(out, attrLine{k, s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// identityChannel names the channel of an identity, which may have been deleted since.
func identityChannel(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "Deleted channel"
}
