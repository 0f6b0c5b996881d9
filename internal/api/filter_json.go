package api

import (
	"time"

	"charla/internal/contacts"
	"charla/internal/problem"
)

// filterJSON is the spec's ContactFilter, in requests and responses. Times
// are strings so that a malformed one is a field error naming it (a
// time.Time would fail the whole body).
type filterJSON struct {
	Tags        *tagsJSON  `json:"tags,omitempty"`
	Attributes  []attrJSON `json:"attributes,omitempty"`
	ChannelID   string     `json:"channel_id,omitempty"`
	LastInbound *ageJSON   `json:"last_inbound,omitempty"`
	CreatedFrom string     `json:"created_from,omitempty"`
	CreatedTo   string     `json:"created_to,omitempty"`
	Query       string     `json:"query,omitempty"`
	Subscribed  *bool      `json:"subscribed,omitempty"`
}

type tagsJSON struct {
	Mode string   `json:"mode"`
	Tags []string `json:"tags"`
}

type attrJSON struct {
	Key   string `json:"key"`
	Op    string `json:"op"`
	Value string `json:"value,omitempty"`
}

type ageJSON struct {
	Within    string `json:"within,omitempty"`
	OlderThan string `json:"older_than,omitempty"`
	Never     bool   `json:"never,omitempty"`
}

// filter turns a request's filter into the contacts service's, adding
// every problem to f under prefix (the filter's path in the body).
func (j filterJSON) filter(f problem.Fields, prefix string) contacts.Filter {
	out := contacts.Filter{Channel: j.ChannelID, Query: j.Query, Subscribed: j.Subscribed}
	if j.Tags != nil {
		out.Tags = &contacts.TagCondition{Mode: j.Tags.Mode, Tags: j.Tags.Tags}
	}
	for _, a := range j.Attributes {
		out.Attributes = append(out.Attributes, contacts.AttrCondition{Key: a.Key, Op: a.Op, Value: a.Value})
	}
	if a := j.LastInbound; a != nil {
		out.LastInbound = &contacts.Age{Within: a.Within, OlderThan: a.OlderThan, Never: a.Never}
	}
	if j.ChannelID != "" && !isID(j.ChannelID) {
		f.Add(prefix+"channel_id", "must be a channel id")
	}
	out.CreatedFrom = filterTime(f, prefix+"created_from", j.CreatedFrom)
	out.CreatedTo = filterTime(f, prefix+"created_to", j.CreatedTo)
	// The service's own checks, named as the body nests them.
	if err := out.Validate(); err != nil {
		for k, v := range problem.As(err).Fields {
			f.Add(prefix+k, v)
		}
	}
	return out
}

func filterTime(f problem.Fields, name, v string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		f.Add(name, "must be a date-time such as 2025-03-01T00:00:00Z")
		return nil
	}
	return &t
}

func filterOut(c contacts.Filter) filterJSON {
	out := filterJSON{ChannelID: c.Channel, Query: c.Query, Subscribed: c.Subscribed}
	if c.Tags != nil {
		out.Tags = &tagsJSON{Mode: c.Tags.Mode, Tags: nonNil(c.Tags.Tags)}
		if out.Tags.Mode == "" {
			out.Tags.Mode = contacts.TagsAny
		}
	}
	for _, a := range c.Attributes {
		out.Attributes = append(out.Attributes, attrJSON{Key: a.Key, Op: a.Op, Value: a.Value})
	}
	if a := c.LastInbound; a != nil {
		out.LastInbound = &ageJSON{Within: a.Within, OlderThan: a.OlderThan, Never: a.Never}
	}
	if c.CreatedFrom != nil {
		out.CreatedFrom = timestamp(*c.CreatedFrom)
	}
	if c.CreatedTo != nil {
		out.CreatedTo = timestamp(*c.CreatedTo)
	}
	return out
}
