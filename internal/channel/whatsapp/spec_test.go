package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestOfficialWebhookExamples parses every example Meta publishes under the
// /whatsapp/webhooks path of its OpenAPI description: none may fail, each
// must yield something, and no item may be dropped.
func TestOfficialWebhookExamples(t *testing.T) {
	t.Parallel()
	path := filepath.Join(repoRoot(t), "..", "shared", "reference", "meta-openapi", "business-messaging-api_v23.0.yaml")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("SKIPPING: official WhatsApp OpenAPI description not found at %s — the webhook parser is NOT being checked against Meta's published examples", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
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
		body, err := json.Marshal(jsonValue(examples[name]))
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
	item := asMap(t, doc, paths["/whatsapp/webhooks"])
	if item == nil {
		t.Fatal("the spec has no /whatsapp/webhooks path")
	}
	out := map[string]any{}
	for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
		op := asMap(t, doc, item[method])
		if op == nil {
			continue
		}
		rb := asMap(t, doc, op["requestBody"])
		content := asMap(t, doc, rb["content"])
		for mediaType, media := range content {
			mt := asMap(t, doc, media)
			if ex, ok := mt["example"]; ok {
				out[fmt.Sprintf("%s %s example", method, mediaType)] = resolve(t, doc, ex)
			}
			for name, ex := range asMap(t, doc, mt["examples"]) {
				exm := asMap(t, doc, ex)
				v, ok := exm["value"]
				if !ok {
					t.Errorf("example %q has no inline value (externalValue is not supported)", name)
					continue
				}
				out[name] = resolve(t, doc, v)
			}
		}
	}
	return out
}

// resolve follows a {"$ref": "#/…"} chain inside doc.
func resolve(t *testing.T, doc map[string]any, v any) any {
	t.Helper()
	for range 32 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		if !strings.HasPrefix(ref, "#/") {
			t.Fatalf("external $ref %q is not supported", ref)
		}
		var cur any = doc
		for _, part := range strings.Split(ref[2:], "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			cm, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("$ref %q does not resolve", ref)
			}
			cur = cm[part]
		}
		v = cur
	}
	t.Fatal("$ref chain too long")
	return nil
}

func asMap(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := resolve(t, doc, v).(map[string]any)
	return m
}

// jsonValue makes a YAML-decoded value marshalable as JSON (YAML allows
// non-string mapping keys).
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}
