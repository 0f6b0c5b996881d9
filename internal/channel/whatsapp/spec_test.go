package whatsapp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"charla/internal/metaspec"
)

// TestOfficialWebhookExamples parses every example Meta publishes under the
// /whatsapp/webhooks path of its OpenAPI description: none may fail, each
// must yield something, and no item may be dropped.
func TestOfficialWebhookExamples(t *testing.T) {
	t.Parallel()
	data := metaspec.Load(t, "the webhook parser is NOT being checked against Meta's published examples")
	path := metaspec.Path(t)
	doc := metaspec.Parse(t, data)
	examples := webhookExamples(t, doc)
	if len(examples) == 0 {
		t.Fatalf("no examples found under /whatsapp/webhooks in %s: has the layout changed?", path)
	}
	names := make([]string, 0, len(examples))
	for name := range examples {
		names = append(names, name)
	}
	sort.Strings(names)

	var messages, statuses, errs, changes int
	for _, name := range names {
		body, err := json.Marshal(metaspec.JSONValue(examples[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := Parse(body)
		if err != nil {
			t.Errorf("%s: Parse: %v", name, err)
			continue
		}
		if b.Len() == 0 {
			t.Errorf("%s: parsed to nothing", name)
			continue
		}
		assertNothingDropped(t, body, b)
		assertConsistent(t, b)
		checkOfficial(t, name, body, b)
		messages += len(b.Messages)
		statuses += len(b.Statuses)
		errs += len(b.Errors)
		changes += len(b.AccountUpdates)
	}
	t.Logf("ingested %d official webhook examples from %s: %d messages, %d statuses, %d errors, %d other changes",
		len(examples), filepath.Base(path), messages, statuses, errs, changes)
}

// checkOfficial asserts what Meta's examples promise beyond "nothing lost".
func checkOfficial(t *testing.T, name string, body []byte, b Batch) {
	t.Helper()
	var env struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Contacts []any `json:"contacts"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	_ = json.Unmarshal(body, &env)
	hasContacts := false
	for _, e := range env.Entry {
		for _, c := range e.Changes {
			hasContacts = hasContacts || len(c.Value.Contacts) > 0
		}
	}
	for _, m := range b.Messages {
		if m.Problems != nil {
			t.Errorf("%s: problems decoding an official example: %v", name, m.Problems)
		}
		if m.ID == "" || m.From == "" || m.PhoneNumberID == "" || m.WABAID == "" || m.Timestamp.IsZero() || m.Type == "" {
			t.Errorf("%s: incomplete message %+v", name, m)
		}
		if hasContacts && m.ProfileName == "" {
			t.Errorf("%s: sender profile name not matched", name)
		}
		if m.Unsupported != (m.Type == "unsupported") {
			t.Errorf("%s: type %q Unsupported=%v", name, m.Type, m.Unsupported)
		}
		if m.Unsupported && len(m.Errors) == 0 {
			t.Errorf("%s: unsupported message lost its errors", name)
		}
		if !m.Unsupported && strings.HasPrefix(m.Summary(), "Unsupported") {
			t.Errorf("%s: summary %q", name, m.Summary())
		}
	}
	for _, c := range b.AccountUpdates {
		if c.WABAID == "" || c.PhoneNumberID == "" || len(c.Value) == 0 {
			t.Errorf("%s: change without routing: %+v", name, c)
		}
	}
}

// webhookExamples collects the request-body examples of every operation of
// the /whatsapp/webhooks path item, following local $refs.
func webhookExamples(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	paths, _ := doc["paths"].(map[string]any)
	item := metaspec.ResolveMap(t, doc, paths["/whatsapp/webhooks"])
	if item == nil {
		t.Fatal("the spec has no /whatsapp/webhooks path")
	}
	out := map[string]any{}
	for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
		op := metaspec.ResolveMap(t, doc, item[method])
		if op == nil {
			continue
		}
		rb := metaspec.ResolveMap(t, doc, op["requestBody"])
		content := metaspec.ResolveMap(t, doc, rb["content"])
		for mediaType, media := range content {
			mt := metaspec.ResolveMap(t, doc, media)
			if ex, ok := mt["example"]; ok {
				out[fmt.Sprintf("%s %s example", method, mediaType)] = metaspec.Resolve(t, doc, ex)
			}
			for name, ex := range metaspec.ResolveMap(t, doc, mt["examples"]) {
				exm := metaspec.ResolveMap(t, doc, ex)
				v, ok := exm["value"]
				if !ok {
					t.Errorf("example %q has no inline value (externalValue is not supported)", name)
					continue
				}
				out[name] = metaspec.Resolve(t, doc, v)
			}
		}
	}
	return out
}
