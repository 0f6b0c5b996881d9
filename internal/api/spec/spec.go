// Package spec holds the OpenAPI 3.1 description of Charla's REST API
// (/api/v1). The document in openapi.yaml is the source of truth: handlers
// implement it, and it is served to clients as YAML and JSON.
package spec

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed openapi.yaml
var openapiYAML []byte

// YAML returns the OpenAPI document as YAML, exactly as written. The caller
// owns the returned slice.
func YAML() []byte {
	return bytes.Clone(openapiYAML)
}

var compiledJSON = sync.OnceValues(func() ([]byte, error) {
	return yamlToJSON(openapiYAML)
})

// JSON returns the OpenAPI document as compact JSON, with object keys in the
// order they have in the YAML. The conversion runs once; the caller owns the
// returned slice.
func JSON() ([]byte, error) {
	b, err := compiledJSON()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}

// maxDepth bounds nesting (including through aliases) so a pathological
// document cannot recurse forever.
const maxDepth = 256

// yamlToJSON converts a single YAML document to JSON. It walks the node tree
// rather than decoding into maps so that key order is kept, every mapping key
// becomes a JSON string (a YAML key such as 200 is emitted as "200"), and
// timestamps stay the strings they were written as.
func yamlToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("spec: parse YAML: %w", err)
	}
	if doc.Kind == 0 {
		return nil, fmt.Errorf("spec: empty YAML document")
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &doc, 0); err != nil {
		return nil, fmt.Errorf("spec: convert YAML to JSON: %w", err)
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("line %d: nested more than %d levels deep", n.Line, maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: document has %d root nodes, want 1", n.Line, len(n.Content))
		}
		return writeJSON(buf, n.Content[0], depth+1)
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias, depth+1)
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, c, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		return writeMapping(buf, n, depth)
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	default:
		return fmt.Errorf("line %d: unsupported YAML node kind %d", n.Line, n.Kind)
	}
}

func writeMapping(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	seen := make(map[string]bool, len(n.Content)/2)
	buf.WriteByte('{')
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
		}
		if k.ShortTag() == "!!merge" {
			return fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
		}
		if seen[k.Value] {
			return fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
		}
		seen[k.Value] = true
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeString(buf, k.Value); err != nil {
			return err
		}
		buf.WriteByte(':')
		if err := writeJSON(buf, v, depth+1); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	var v any
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		v = b
	case "!!int", "!!float":
		// Decoding into any yields int, int64, uint64 or float64 as the
		// value requires; json.Marshal rejects .inf and .nan.
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
	default:
		// !!str, !!timestamp, !!binary and custom tags: keep the text.
		return writeString(buf, n.Value)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	buf.Write(b)
	return nil
}

func writeString(buf *bytes.Buffer, s string) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	// Encode appends a newline; drop it.
	buf.Truncate(buf.Len() - 1)
	return nil
}
