package contacts_test

import (
	"strings"
	"testing"
	"time"

	"charla/internal/contacts"
	"charla/internal/problem"
)

func TestFilterValidateNamesEachBadPart(t *testing.T) {
	jan, feb := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		f      contacts.Filter
		fields []string
	}{
		{"unknown tag mode", contacts.Filter{Tags: &contacts.TagCondition{Mode: "some", Tags: []string{"a"}}}, []string{"tags.mode"}},
		{"empty tag list", contacts.Filter{Tags: &contacts.TagCondition{Mode: "all"}}, []string{"tags.tags"}},
		{"blank tag", contacts.Filter{Tags: &contacts.TagCondition{Tags: []string{"a", " "}}}, []string{"tags.tags"}},
		{"unknown op", contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "plan", Op: "like", Value: "x"}}}, []string{"attributes[0].op"}},
		{"bad key", contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "plan", Op: "eq", Value: "x"}, {Key: "Plan'--", Op: "eq", Value: "x"}}}, []string{"attributes[1].key"}},
		{"key path injection", contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "a.b", Op: "exists"}}}, []string{"attributes[0].key"}},
		{"missing value", contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "plan", Op: "gt"}}}, []string{"attributes[0].value"}},
		{"value with exists", contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "plan", Op: "exists", Value: "x"}}}, []string{"attributes[0].value"}},
		{"too many conditions", contacts.Filter{Attributes: manyConditions(21)}, []string{"attributes"}},
		{"bad duration", contacts.Filter{LastInbound: &contacts.Age{Within: "1 day"}}, []string{"last_inbound.within"}},
		{"go duration is not ours", contacts.Filter{LastInbound: &contacts.Age{OlderThan: "1h30m"}}, []string{"last_inbound.older_than"}},
		{"zero duration", contacts.Filter{LastInbound: &contacts.Age{Within: "0d"}}, []string{"last_inbound.within"}},
		{"duration that would overflow", contacts.Filter{LastInbound: &contacts.Age{Within: "9999999w"}}, []string{"last_inbound.within"}},
		{"two ages", contacts.Filter{LastInbound: &contacts.Age{Within: "1d", Never: true}}, []string{"last_inbound"}},
		{"no age", contacts.Filter{LastInbound: &contacts.Age{}}, []string{"last_inbound"}},
		{"from after to", contacts.Filter{CreatedFrom: &feb, CreatedTo: &jan}, []string{"created_to"}},
		{"empty range", contacts.Filter{CreatedFrom: &jan, CreatedTo: &jan}, []string{"created_to"}},
		{"long query", contacts.Filter{Query: strings.Repeat("x", 256)}, []string{"query"}},
		{"long channel", contacts.Filter{Channel: strings.Repeat("x", 65)}, []string{"channel_id"}},
		{"several at once", contacts.Filter{
			Tags:        &contacts.TagCondition{Mode: "x"},
			Attributes:  []contacts.AttrCondition{{Key: "ok", Op: "nope"}},
			LastInbound: &contacts.Age{OlderThan: "soon"},
			CreatedFrom: &feb, CreatedTo: &jan,
		}, []string{"tags.mode", "tags.tags", "attributes[0].op", "last_inbound.older_than", "created_to"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.f.Validate()
			p := problem.As(err)
			if p.Kind != problem.Invalid {
				t.Fatalf("want a validation error, got %v", err)
			}
			if len(p.Fields) != len(c.fields) {
				t.Errorf("fields %v, want exactly %v", p.Fields, c.fields)
			}
			for _, f := range c.fields {
				if p.Fields[f] == "" {
					t.Errorf("no error for %s in %v", f, p.Fields)
				}
			}
		})
	}
}

func TestFilterValidateAcceptsEveryCondition(t *testing.T) {
	jan, feb := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	yes := true
	good := []contacts.Filter{
		{},
		{Tags: &contacts.TagCondition{Tags: []string{"VIP"}}},
		{Tags: &contacts.TagCondition{Mode: "none", Tags: []string{"a", "b"}}},
		{Attributes: []contacts.AttrCondition{{Key: "plan", Op: "eq", Value: "gold"}, {Key: "seats", Op: "gt", Value: "3"}, {Key: "x1", Op: "not_exists"}}},
		{Channel: "0190a0b0-0000-7000-8000-000000000000"},
		{LastInbound: &contacts.Age{Within: "24h"}},
		{LastInbound: &contacts.Age{OlderThan: "2w"}},
		{LastInbound: &contacts.Age{Within: "30m"}},
		{LastInbound: &contacts.Age{Never: true}},
		{CreatedFrom: &jan}, {CreatedTo: &feb}, {CreatedFrom: &jan, CreatedTo: &feb},
		{Query: "ana", Subscribed: &yes},
	}
	for i, f := range good {
		if err := f.Validate(); err != nil {
			t.Errorf("filter %d: %v", i, err)
		}
	}
}

func manyConditions(n int) []contacts.AttrCondition {
	out := make([]contacts.AttrCondition, n)
	for i := range out {
		out[i] = contacts.AttrCondition{Key: "plan", Op: "exists"}
	}
	return out
}
