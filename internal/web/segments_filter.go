package web

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// This file translates between the filter builder's form (a
// templates.SegmentDraft, kept in the URL) and contacts.Filter.

// maxDraftAttrs bounds the attribute rows read from a request; the filter
// itself refuses more than templates.MaxAttrConditions with a message.
const maxDraftAttrs = 2 * templates.MaxAttrConditions

// draftFrom reads the builder's conditions from a query or form. A
// condition is in the builder when its fields are present, even empty.
func draftFrom(q url.Values) templates.SegmentDraft {
	d := templates.SegmentDraft{Q: strings.TrimSpace(q.Get("q"))}
	if q.Has("tags_mode") || q.Has("tags") {
		d.Tags = &templates.TagsDraft{Mode: q.Get("tags_mode"), Tags: strings.TrimSpace(q.Get("tags"))}
	}
	keys, ops, values := q["attr_key"], q["attr_op"], q["attr_value"]
	for i := 0; i < len(ops) && i < maxDraftAttrs; i++ {
		a := templates.AttrDraft{Op: ops[i]}
		if i < len(keys) {
			a.Key = strings.ToLower(strings.TrimSpace(keys[i]))
		}
		if i < len(values) {
			a.Value = values[i]
		}
		d.Attrs = append(d.Attrs, a)
	}
	if q.Has("channel") {
		c := q.Get("channel")
		d.Channel = &c
	}
	if q.Has("inbound_mode") {
		d.Inbound = &templates.InboundDraft{Mode: q.Get("inbound_mode"), N: strings.TrimSpace(q.Get("inbound_n")), Unit: q.Get("inbound_unit")}
	}
	if q.Has("created_from") || q.Has("created_to") {
		d.Created = &templates.CreatedDraft{From: strings.TrimSpace(q.Get("created_from")), To: strings.TrimSpace(q.Get("created_to"))}
	}
	if q.Has("subscribed") {
		s := q.Get("subscribed")
		d.Subscribed = &s
	}
	return d
}

// editDraft applies the builder's add and remove buttons.
func editDraft(d templates.SegmentDraft, add, remove string) templates.SegmentDraft {
	switch add {
	case "tags":
		if d.Tags == nil {
			d.Tags = &templates.TagsDraft{Mode: contacts.TagsAny}
		}
	case "attr":
		if len(d.Attrs) < templates.MaxAttrConditions {
			d.Attrs = append(d.Attrs, templates.AttrDraft{Op: contacts.OpEq})
		}
	case "channel":
		if d.Channel == nil {
			d.Channel = new(string)
		}
	case "inbound":
		if d.Inbound == nil {
			d.Inbound = &templates.InboundDraft{Mode: "within", Unit: "d"}
		}
	case "created":
		if d.Created == nil {
			d.Created = &templates.CreatedDraft{}
		}
	case "subscribed":
		if d.Subscribed == nil {
			yes := "yes"
			d.Subscribed = &yes
		}
	}
	switch {
	case remove == "tags":
		d.Tags = nil
	case remove == "channel":
		d.Channel = nil
	case remove == "inbound":
		d.Inbound = nil
	case remove == "created":
		d.Created = nil
	case remove == "subscribed":
		d.Subscribed = nil
	case strings.HasPrefix(remove, "attr-"):
		if i, err := strconv.Atoi(strings.TrimPrefix(remove, "attr-")); err == nil && i >= 0 && i < len(d.Attrs) {
			d.Attrs = append(d.Attrs[:i:i], d.Attrs[i+1:]...)
		}
	}
	return d
}

// builtFilter is a draft as a filter, with what could not be translated.
type builtFilter struct {
	f contacts.Filter
	// fields are problems found before the filter's own validation (a date
	// that isn't one; in strict mode, a condition left blank).
	fields problem.Fields
	// incomplete names the blank conditions left out (not strict).
	incomplete map[string]bool
	// attrRow maps the filter's attribute conditions to the builder's rows.
	attrRow []int
}

const dateLayout = "2006-01-02"

// buildFilter translates d. Blank conditions are left out and reported as
// incomplete, so that adding one doesn't empty the list until it is filled
// in; strict (saving) reports them as problems instead.
func buildFilter(d templates.SegmentDraft, strict bool) builtFilter {
	b := builtFilter{fields: problem.Fields{}, incomplete: map[string]bool{}}
	b.f.Query = d.Q
	blank := func(slot, field, msg string) {
		if strict {
			b.fields.Add(field, msg)
		} else {
			b.incomplete[slot] = true
		}
	}
	if t := d.Tags; t != nil {
		var tags []string
		for _, s := range strings.Split(t.Tags, ",") {
			if s = strings.TrimSpace(s); s != "" {
				tags = append(tags, s)
			}
		}
		if len(tags) == 0 {
			blank("tags", "tags.tags", "give at least one tag")
		} else {
			b.f.Tags = &contacts.TagCondition{Mode: t.Mode, Tags: tags}
		}
	}
	for i, a := range d.Attrs {
		if a.Op == contacts.OpExists || a.Op == contacts.OpNotExists {
			a.Value = "" // the builder hides the value for these
		}
		if a.Key == "" && a.Value == "" {
			blank("attr-"+strconv.Itoa(i), "attributes["+strconv.Itoa(i)+"].key", "give the attribute's name")
			continue
		}
		b.attrRow = append(b.attrRow, i)
		b.f.Attributes = append(b.f.Attributes, contacts.AttrCondition{Key: a.Key, Op: a.Op, Value: a.Value})
	}
	if d.Channel != nil {
		if *d.Channel == "" {
			blank("channel", "channel_id", "choose a channel")
		} else {
			b.f.Channel = *d.Channel
		}
	}
	if in := d.Inbound; in != nil {
		switch in.Mode {
		case "never":
			b.f.LastInbound = &contacts.Age{Never: true}
		case "within", "older_than":
			field := "last_inbound." + in.Mode
			if in.N == "" {
				blank("inbound", field, "give a number of "+unitName(in.Unit))
				break
			}
			age := in.N + in.Unit
			if in.Mode == "within" {
				b.f.LastInbound = &contacts.Age{Within: age}
			} else {
				b.f.LastInbound = &contacts.Age{OlderThan: age}
			}
		default:
			b.fields.Add("last_inbound", "must be within, older than or never")
		}
	}
	if c := d.Created; c != nil {
		if c.From == "" && c.To == "" {
			blank("created", "created_from", "give a start date, an end date or both")
		}
		if c.From != "" {
			if t, err := time.Parse(dateLayout, c.From); err != nil {
				b.fields.Add("created_from", "is not a date like 2024-01-31")
			} else {
				b.f.CreatedFrom = &t
			}
		}
		if c.To != "" {
			if t, err := time.Parse(dateLayout, c.To); err != nil {
				b.fields.Add("created_to", "is not a date like 2024-01-31")
			} else {
				// The end date is included: the filter's end is exclusive.
				end := t.AddDate(0, 0, 1)
				b.f.CreatedTo = &end
			}
		}
		if b.f.CreatedFrom != nil && b.f.CreatedTo != nil && !b.f.CreatedTo.After(*b.f.CreatedFrom) {
			b.fields.Add("created_to", "must not be before the start date")
			b.f.CreatedTo = nil
		}
	}
	if s := d.Subscribed; s != nil {
		switch *s {
		case "yes":
			b.f.Subscribed = new(bool)
			*b.f.Subscribed = true
		case "no":
			b.f.Subscribed = new(bool)
		default:
			b.fields.Add("subscribed", "must be subscribed or opted out")
		}
	}
	return b
}

func unitName(u string) string {
	for _, x := range templates.AgeUnits {
		if x.Value == u {
			return x.Label
		}
	}
	return "days"
}

var attrProblem = regexp.MustCompile(`^attributes\[(\d+)\]`)

// problems merges the draft's own problems with err's fields (from the
// filter's validation, or a segment's, whose filter fields are prefixed
// "filter."), naming attribute conditions by the builder's row.
func (b builtFilter) problems(err error) map[string]string {
	out := map[string]string{}
	for k, v := range b.fields {
		out[k] = v
	}
	if err == nil {
		return out
	}
	for k, v := range problem.As(err).Fields {
		k = strings.TrimPrefix(k, "filter.")
		if m := attrProblem.FindStringSubmatch(k); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(b.attrRow) {
				k = "attributes[" + strconv.Itoa(b.attrRow[i]) + "]" + k[len(m[0]):]
			}
		}
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

var ageValue = regexp.MustCompile(`^([0-9]+)([mhdw])$`)

// draftOf shows a saved filter in the builder.
func draftOf(f contacts.Filter) templates.SegmentDraft {
	d := templates.SegmentDraft{Q: f.Query}
	if f.Tags != nil {
		mode := f.Tags.Mode
		if mode == "" {
			mode = contacts.TagsAny
		}
		d.Tags = &templates.TagsDraft{Mode: mode, Tags: strings.Join(f.Tags.Tags, ", ")}
	}
	for _, a := range f.Attributes {
		d.Attrs = append(d.Attrs, templates.AttrDraft{Key: a.Key, Op: a.Op, Value: a.Value})
	}
	if f.Channel != "" {
		c := f.Channel
		d.Channel = &c
	}
	if a := f.LastInbound; a != nil {
		in := &templates.InboundDraft{Mode: "never", Unit: "d"}
		for mode, v := range map[string]string{"within": a.Within, "older_than": a.OlderThan} {
			if m := ageValue.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
				in.Mode, in.N, in.Unit = mode, m[1], m[2]
			}
		}
		d.Inbound = in
	}
	if f.CreatedFrom != nil || f.CreatedTo != nil {
		c := &templates.CreatedDraft{}
		if f.CreatedFrom != nil {
			c.From = f.CreatedFrom.UTC().Format(dateLayout)
		}
		if f.CreatedTo != nil {
			// The builder's end date is the last day included.
			c.To = f.CreatedTo.UTC().Add(-time.Nanosecond).Format(dateLayout)
		}
		d.Created = c
	}
	if f.Subscribed != nil {
		s := "no"
		if *f.Subscribed {
			s = "yes"
		}
		d.Subscribed = &s
	}
	return d
}
