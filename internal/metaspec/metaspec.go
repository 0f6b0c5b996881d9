// Package metaspec is test support for checking charla against Meta's
// official OpenAPI description of the WhatsApp Business Platform
// (business-messaging-api_v23.0.yaml, in the shared reference checkout next
// to the repository). Only tests import it.
//
// It locates and loads the file (skipping loudly when it is absent), parses
// it to a map, reads and resolves inside that map, inlines the $refs that
// libopenapi-validator cannot follow, builds a validator from the (patched)
// map and validates requests with it. The patches themselves stay with each
// caller: they document defects of the file specific to what it validates.
package metaspec

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"go.yaml.in/yaml/v3"
)

// Path is where Meta's description is expected: the shared reference
// checkout beside the module root (CI always has it).
func Path(t testing.TB) string {
	t.Helper()
	return filepath.Join(moduleRoot(t), "..", "shared", "reference", "meta-openapi", "business-messaging-api_v23.0.yaml")
}

// Load reads Meta's description. When the file is absent the test is
// skipped, loudly: unchecked says what is then NOT being checked.
func Load(t testing.TB, unchecked string) []byte {
	t.Helper()
	path := Path(t)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("SKIPPING LOUDLY: official WhatsApp OpenAPI description not found at %s — %s", path, unchecked)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// moduleRoot is the directory holding go.mod above the test's directory.
func moduleRoot(t testing.TB) string {
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

// Parse decodes the description into a map.
func Parse(t testing.TB, spec []byte) map[string]any {
	t.Helper()
	var root map[string]any
	if err := yaml.Unmarshal(spec, &root); err != nil {
		t.Fatalf("the spec is not YAML: %v", err)
	}
	return root
}

// Dig reads a nested field of a decoded map (nil when absent).
func Dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Resolve follows a {"$ref": "#/…"} chain inside doc.
func Resolve(t testing.TB, doc map[string]any, v any) any {
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

// ResolveMap is Resolve for a value expected to be a mapping (nil when it
// is not one).
func ResolveMap(t testing.TB, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := Resolve(t, doc, v).(map[string]any)
	return m
}

// JSONValue makes a YAML-decoded value marshalable as JSON (YAML allows
// non-string mapping keys). It returns a deep copy.
func JSONValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = JSONValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = JSONValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e)
		}
		return out
	}
	return v
}

// InlineSchemas returns schema with every components/schemas $ref reachable
// from it replaced by a copy of its target (siblings of the $ref are kept).
// libopenapi-validator v0.16.2 cannot compile a body schema that reaches
// others through $ref ("failed to unmarshal JSON schema resource …: EOF");
// inlining changes no constraint.
func InlineSchemas(t testing.TB, root map[string]any, schema any) any {
	t.Helper()
	const prefix = "#/components/schemas/"
	schemas, _ := Dig(root, "components", "schemas").(map[string]any)
	var inline func(v any, depth int) any
	inline = func(v any, depth int) any {
		if depth > 60 {
			t.Fatal("schema nesting too deep (cycle?)")
		}
		switch n := v.(type) {
		case map[string]any:
			out := map[string]any{}
			if ref, ok := n["$ref"].(string); ok && strings.HasPrefix(ref, prefix) {
				target, _ := schemas[strings.TrimPrefix(ref, prefix)].(map[string]any)
				if target == nil {
					t.Fatalf("dangling $ref %s", ref)
				}
				for k, x := range inline(target, depth+1).(map[string]any) {
					out[k] = x
				}
				for k, x := range n {
					if k != "$ref" {
						out[k] = inline(x, depth+1)
					}
				}
				return out
			}
			for k, x := range n {
				out[k] = inline(x, depth+1)
			}
			return out
		case []any:
			out := make([]any, len(n))
			for i, x := range n {
				out[i] = inline(x, depth+1)
			}
			return out
		}
		return v
	}
	return inline(schema, 0)
}

// Validator builds a validator from a parsed (and possibly patched)
// description.
func Validator(t testing.TB, root map[string]any) validator.Validator {
	t.Helper()
	b, err := yaml.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return ValidatorFromYAML(t, b)
}

// ValidatorFromYAML builds a validator from a description as a file holds it.
func ValidatorFromYAML(t testing.TB, spec []byte) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("libopenapi cannot read the spec: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator cannot be built from the spec: %v", errs)
	}
	return v
}

// Validate validates r and returns the problems found, one line each (none
// when it conforms). A body r can replay (GetBody) is rewound first, so a
// request may be validated more than once.
func Validate(v validator.Validator, r *http.Request) []string {
	if r.GetBody != nil {
		if body, err := r.GetBody(); err == nil {
			r.Body = body
		}
	}
	ok, errs := v.ValidateHttpRequest(r)
	var out []string
	for _, e := range errs {
		s := e.Message
		if e.Reason != "" {
			s += ": " + e.Reason
		}
		for _, se := range e.SchemaValidationErrors {
			s += " | " + se.FieldPath + " @ " + se.KeywordLocation + ": " + se.Reason
		}
		out = append(out, s)
	}
	if !ok && len(out) == 0 {
		out = append(out, "invalid (no detail)")
	}
	return out
}
