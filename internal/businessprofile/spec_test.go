package businessprofile

import (
	"testing"

	"charla/internal/metaspec"
)

// The rules come from Meta's description of the update request; this keeps
// them in step with it. The one known difference is the Cloud API's
// description limit: the description says 256, Meta's reference pages and
// 360dialog say 512 (providers.md §1.12), so only DialogLimits is pinned.
func TestRulesMatchMetaSpec(t *testing.T) {
	doc := metaspec.Parse(t, metaspec.Load(t, "business-profile limits and verticals are not compared with Meta's"))
	schemas := metaspec.Dig(doc, "components", "schemas")
	req := metaspec.ResolveMap(t, doc, metaspec.Dig(schemas, "WhatsAppBusinessProfileUpdateRequest"))
	if req == nil {
		t.Fatal("WhatsAppBusinessProfileUpdateRequest is missing from the spec")
	}
	num := func(keys ...string) int {
		v, ok := metaspec.Dig(req, keys...).(int)
		if !ok {
			t.Fatalf("%v is not a number in the spec", keys)
		}
		return v
	}
	checks := []struct {
		name      string
		ours, its int
	}{
		{"about min", 1, num("properties", "about", "minLength")},
		{"about max", AboutMax, num("properties", "about", "maxLength")},
		{"address max", AddressMax, num("properties", "address", "maxLength")},
		{"description max (360dialog)", DialogLimits.DescriptionMax, num("properties", "description", "maxLength")},
		{"email max", EmailMax, num("properties", "email", "maxLength")},
		{"websites count", WebsitesMax, num("properties", "websites", "maxItems")},
		{"website length", WebsiteMax, num("properties", "websites", "items", "maxLength")},
	}
	for _, c := range checks {
		if c.ours != c.its {
			t.Errorf("%s: ours %d, Meta's %d", c.name, c.ours, c.its)
		}
	}
	enum, _ := metaspec.Dig(metaspec.ResolveMap(t, doc, metaspec.Dig(req, "properties", "vertical")), "enum").([]any)
	if len(enum) != len(Verticals) {
		t.Fatalf("Meta lists %d verticals, we %d", len(enum), len(Verticals))
	}
	for i, v := range enum {
		if Verticals[i].Value != v {
			t.Errorf("vertical %d: ours %s, Meta's %v", i, Verticals[i].Value, v)
		}
	}
}
