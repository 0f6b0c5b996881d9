package whatsapp

import (
	"encoding/json"
	"unicode/utf8"
)

// A webhook body is checked once (json.Valid) and then cut into spans: each
// object's values and each array's items are slices of that one checked
// copy, so reading a level never re-scans or copies what is below it.
// Decoding every level with encoding/json instead validated the body again
// at each of its six levels, most of a delivery's parse time
// (docs/benchmarks.md §4). The spans are exactly what encoding/json gives a
// json.RawMessage: the value's own bytes, without surrounding whitespace.

// splitObject cuts a valid JSON object into its keys and value spans. As
// with encoding/json, a repeated key keeps its last value.
func splitObject(b []byte) map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, 8)
	i := skipSpace(b, 1)
	for b[i] != '}' {
		end := skipValue(b, i)
		key := objectKey(b[i:end])
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // past ':'
		end = skipValue(b, i)
		m[key] = b[i:end:end]
		i = skipSpace(b, end)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return m
}

// splitArray cuts a valid JSON array into its item spans.
func splitArray(b []byte) []json.RawMessage {
	out := make([]json.RawMessage, 0, 4)
	i := skipSpace(b, 1)
	for b[i] != ']' {
		end := skipValue(b, i)
		out = append(out, b[i:end:end])
		i = skipSpace(b, end)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out
}

// objectKey unquotes a key span. Plain ASCII, by far the common case, is
// its own text; anything else goes through encoding/json, so escapes and
// invalid UTF-8 read exactly as they would in a map decode.
func objectKey(q []byte) string {
	for _, c := range q[1 : len(q)-1] {
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			var s string
			_ = json.Unmarshal(q, &s) // valid: checked with the document
			return s
		}
	}
	return string(q[1 : len(q)-1])
}

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipValue returns the index just past the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
			i++
		}
		return i
	}
}

// skipString returns the index just past the string whose quote is at b[i].
func skipString(b []byte, i int) int {
	for i++; ; i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}
