package contacts

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"charla/internal/problem"
)

// Filter selects contacts: a segment's definition, and the contacts list's
// filters. Every condition set must hold (AND); an empty Filter matches every
// contact of the workspace.
type Filter struct {
	Tags       *TagCondition   `json:"tags,omitempty"`
	Attributes []AttrCondition `json:"attributes,omitempty"`
	// Channel keeps contacts with an identity on this channel id.
	Channel     string `json:"channel_id,omitempty"`
	LastInbound *Age   `json:"last_inbound,omitempty"`
	// CreatedFrom is inclusive and CreatedTo exclusive, so consecutive ranges never overlap.
	CreatedFrom *time.Time `json:"created_from,omitempty"`
	CreatedTo   *time.Time `json:"created_to,omitempty"`
	// Query matches name, email or phone containing it, as the contacts list search does.
	Query string `json:"query,omitempty"`
	// Subscribed keeps only contacts who have not opted out (true) or only those who have (false).
	Subscribed *bool `json:"subscribed,omitempty"`
}

// Tag modes.
const (
	TagsAny  = "any"
	TagsAll  = "all"
	TagsNone = "none"
)

// TagCondition keeps contacts with any, all or none of Tags ("" means any).
type TagCondition struct {
	Mode string   `json:"mode"`
	Tags []string `json:"tags"`
}

// Attribute operators. Text comparisons ignore case; a contact without the
// attribute matches neq and not_exists, and nothing else.
const (
	OpEq        = "eq"
	OpNeq       = "neq"
	OpContains  = "contains"
	OpExists    = "exists"
	OpNotExists = "not_exists"
	// OpGt and OpLt compare numbers when Value is a number (then only numeric
	// attributes, or strings holding a JSON number, match); otherwise they
	// compare text byte by byte, which orders ISO dates correctly.
	OpGt = "gt"
	OpLt = "lt"
)

// AttrCondition tests one custom attribute.
type AttrCondition struct {
	Key   string `json:"key"`
	Op    string `json:"op"`
	Value string `json:"value,omitempty"`
}

// Age tests when the contact last wrote, over all their conversations; set
// exactly one field. Durations are a whole number with m, h, d or w ("24h",
// "7d"). OlderThan needs an inbound message: contacts who never wrote are
// selected by Never alone, so "quiet for 30 days" never sweeps in people the
// business has only imported.
type Age struct {
	Within    string `json:"within,omitempty"`
	OlderThan string `json:"older_than,omitempty"`
	Never     bool   `json:"never,omitempty"`
}

const (
	maxFilterTags  = 100
	maxAttrConds   = 20
	maxAttrValue   = 1000
	maxQueryLength = 255
	maxChannelID   = 64
	maxAge         = 3650 * 24 * time.Hour
)

// Validate reports every bad part of f, each under its JSON path.
func (f Filter) Validate() error {
	fields := problem.Fields{}
	if f.Tags != nil {
		switch f.Tags.Mode {
		case "", TagsAny, TagsAll, TagsNone:
		default:
			fields.Add("tags.mode", "must be any, all or none")
		}
		if len(f.Tags.Tags) == 0 {
			fields.Add("tags.tags", "give at least one tag")
		} else if len(f.Tags.Tags) > maxFilterTags {
			fields.Add("tags.tags", fmt.Sprintf("at most %d tags", maxFilterTags))
		} else if _, err := cleanTags(f.Tags.Tags); err != nil {
			fields.Add("tags.tags", "each tag must be 1 to 64 characters, without commas")
		}
	}
	if len(f.Attributes) > maxAttrConds {
		fields.Add("attributes", fmt.Sprintf("at most %d attribute conditions", maxAttrConds))
	}
	for i, a := range f.Attributes {
		a.validate(fields, fmt.Sprintf("attributes[%d]", i))
	}
	if utf8.RuneCountInString(f.Channel) > maxChannelID {
		fields.Add("channel_id", "is not a channel id")
	}
	if f.LastInbound != nil {
		f.LastInbound.validate(fields)
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil && !f.CreatedTo.After(*f.CreatedFrom) {
		fields.Add("created_to", "must be after created_from")
	}
	if utf8.RuneCountInString(f.Query) > maxQueryLength {
		fields.Add("query", fmt.Sprintf("must be at most %d characters", maxQueryLength))
	}
	return fields.Err()
}

func (a AttrCondition) validate(fields problem.Fields, at string) {
	if !attrKey.MatchString(a.Key) {
		fields.Add(at+".key", "must be lowercase letters, digits and underscores, starting with a letter (at most 64)")
	}
	switch a.Op {
	case OpExists, OpNotExists:
		if a.Value != "" {
			fields.Add(at+".value", "must be empty for "+a.Op)
		}
	case OpEq, OpNeq, OpContains, OpGt, OpLt:
		if a.Value == "" {
			fields.Add(at+".value", "give a value to compare with")
		} else if utf8.RuneCountInString(a.Value) > maxAttrValue {
			fields.Add(at+".value", fmt.Sprintf("must be at most %d characters", maxAttrValue))
		}
	default:
		fields.Add(at+".op", "must be eq, neq, contains, exists, not_exists, gt or lt")
	}
}

func (a Age) validate(fields problem.Fields) {
	set := 0
	for _, on := range []bool{a.Within != "", a.OlderThan != "", a.Never} {
		if on {
			set++
		}
	}
	if set != 1 {
		fields.Add("last_inbound", "set exactly one of within, older_than or never")
		return
	}
	if a.Within != "" {
		if _, err := parseAge(a.Within); err != nil {
			fields.Add("last_inbound.within", err.Error())
		}
	}
	if a.OlderThan != "" {
		if _, err := parseAge(a.OlderThan); err != nil {
			fields.Add("last_inbound.older_than", err.Error())
		}
	}
}

var ageFormat = regexp.MustCompile(`^([0-9]{1,7})([mhdw])$`)

var ageUnits = map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}

// parseAge reads "30m", "24h", "7d" or "2w".
func parseAge(s string) (time.Duration, error) {
	m := ageFormat.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("must be a whole number followed by m, h, d or w, like 24h or 7d")
	}
	n, _ := strconv.Atoi(m[1])
	unit := ageUnits[m[2]]
	// Compared before multiplying, so a huge count cannot overflow into a small duration.
	if n == 0 || time.Duration(n) > maxAge/unit {
		return 0, fmt.Errorf("must be more than zero and at most 10 years")
	}
	return time.Duration(n) * unit, nil
}
