package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The types below decode scalars leniently. Meta documents IDs and
// timestamps as strings, yet real payloads (and the official examples) carry
// some as bare numbers: group wa_id, message_template_id, entry.time,
// courier-observed integer expiration_timestamp. A strict decoder would turn
// one odd field into a lost customer message.

// flexString accepts a JSON string, number or bool and keeps its text.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("empty value")
	case b[0] == '"':
		v, err := unquote(b)
		if err != nil {
			return err
		}
		*s = flexString(v)
	case string(b) == "null":
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a string, got %s", jsonKind(b))
	default: // number or bool literal: keep its text
		*s = flexString(b)
	}
	return nil
}

// flexInt accepts an integral JSON number or a string holding one.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	f, ok, err := number(b)
	if err != nil || !ok {
		return err
	}
	if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return fmt.Errorf("want an integer, got %s", b)
	}
	*n = flexInt(f)
	return nil
}

// flexFloat accepts a JSON number or a string holding one (the spec types
// coordinates as numbers but send-side docs as strings).
type flexFloat float64

func (n *flexFloat) UnmarshalJSON(b []byte) error {
	f, ok, err := number(b)
	if err != nil || !ok {
		return err
	}
	*n = flexFloat(f)
	return nil
}

// flexBool accepts true/false, their string forms, and 0/1.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch strings.ToLower(s) {
	case "true", "1":
		*v = true
	case "false", "0", "", "null":
		*v = false
	default:
		return fmt.Errorf("want a boolean, got %s", b)
	}
	return nil
}

// flexTime is a Unix timestamp sent as a string or a number. Meta sends
// seconds; courier has seen milliseconds, so values too large to be seconds
// are read as milliseconds.
type flexTime time.Time

func (t *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		s, err := unquote(b)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		// Integers go through ParseInt so 13-digit milliseconds keep precision.
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v, err := unixTime(float64(n), n)
			*t = flexTime(v)
			return err
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("want a Unix timestamp, got %q", s)
		}
		v, err := unixTime(f, -1)
		*t = flexTime(v)
		return err
	}
	if string(b) == "null" {
		return nil
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		v, err := unixTime(float64(n), n)
		*t = flexTime(v)
		return err
	}
	f, ok, err := number(b)
	if err != nil || !ok {
		return err
	}
	v, err := unixTime(f, -1)
	*t = flexTime(v)
	return err
}

// Seconds below 1e11 reach the year 5138; milliseconds above it start in
// 1973. The two ranges cannot be confused for any real webhook.
const (
	msThreshold = 1e11
	maxUnixMs   = 1e15 // year 33658: anything larger is garbage
)

// unixTime converts v (seconds or milliseconds); exact carries the integer
// form when there is one (-1 otherwise) to avoid float rounding.
func unixTime(v float64, exact int64) (time.Time, error) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v >= maxUnixMs:
		return time.Time{}, fmt.Errorf("timestamp %v out of range", v)
	case v == 0:
		return time.Time{}, nil
	case v >= msThreshold:
		if exact >= 0 {
			return time.UnixMilli(exact).UTC(), nil
		}
		return time.UnixMilli(int64(v)).UTC(), nil
	case exact >= 0:
		return time.Unix(exact, 0).UTC(), nil
	default:
		sec := math.Floor(v)
		return time.Unix(int64(sec), int64((v-sec)*1e9)).UTC(), nil
	}
}

// unquote decodes a JSON string literal. One without escapes or control
// characters, in valid UTF-8 (nearly every string Meta sends), is its own
// text, as encoding/json would find; the rest goes through encoding/json.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		inner := b[1 : len(b)-1]
		plain := true
		for _, c := range inner {
			if c == '\\' || c == '"' || c < ' ' {
				plain = false
				break
			}
		}
		if plain && utf8.Valid(inner) {
			return string(inner), nil
		}
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// jsonText is a field that should hold JSON encoded as a string (Flows'
// response_json); an object sent in its place is kept as its JSON text.
type jsonText string

func (s *jsonText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonText(v)
		return nil
	}
	if string(b) != "null" {
		*s = jsonText(b)
	}
	return nil
}

// number reads a JSON number or numeric string; ok is false for null or "".
func number(b []byte) (f float64, ok bool, err error) {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if s, err = unquote(b); err != nil {
			return 0, false, err
		}
		s = strings.TrimSpace(s)
	} else if len(b) > 0 && (b[0] == '{' || b[0] == '[' || b[0] == 't' || b[0] == 'f') {
		return 0, false, fmt.Errorf("want a number, got %s", jsonKind(b))
	}
	if s == "" || s == "null" {
		return 0, false, nil
	}
	f, err = strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("want a number, got %q", s)
	}
	return f, true, nil
}

func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "an object"
	case b[0] == '[':
		return "an array"
	case b[0] == '"':
		return "a string"
	case b[0] == 't' || b[0] == 'f':
		return "a boolean"
	case b[0] == 'n':
		return "null"
	default:
		return "a number"
	}
}

// object is one decoded JSON object whose keys are read one at a time, so a
// malformed field is recorded as a problem instead of failing the whole item.
type object struct {
	m        map[string]json.RawMessage
	problems *[]string
}

// newObject decodes raw, which must be a JSON object. The object's values
// are spans of a private copy of raw (see spans.go): the caller may reuse
// raw, and spanObject reads them without checking them again.
func newObject(raw []byte, problems *[]string) (object, error) {
	b := trimJSONSpace(raw)
	if len(b) > 0 && b[0] == '{' && json.Valid(b) {
		b = bytes.Clone(b)
		return object{m: splitObject(b), problems: problems}, nil
	}
	return decodeObject(b, problems)
}

// spanObject is newObject for a value of an object or item of an array
// that newObject already checked: valid JSON, in memory Parse owns.
func spanObject(raw []byte, problems *[]string) (object, error) {
	b := trimJSONSpace(raw)
	if len(b) > 0 && b[0] == '{' {
		return object{m: splitObject(b), problems: problems}, nil
	}
	return decodeObject(b, problems)
}

// decodeObject explains why b is not an object (or decodes it the slow way):
// its errors are encoding/json's, with the byte offset of a syntax error.
func decodeObject(b []byte, problems *[]string) (object, error) {
	o := object{problems: problems}
	if len(b) == 0 {
		return o, errors.New("is empty")
	}
	if err := json.Unmarshal(b, &o.m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return o, fmt.Errorf("is not valid JSON (byte %d: %v)", se.Offset, se)
		}
		return o, fmt.Errorf("is %s, not a JSON object", jsonKind(b))
	}
	if o.m == nil {
		return o, errors.New("is null, not a JSON object")
	}
	return o, nil
}

// trimJSONSpace trims only JSON's own whitespace: bytes.TrimSpace would also
// strip Unicode spaces (U+00A0, U+2028 …) and so accept a body that is not JSON.
func trimJSONSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// has tells whether key is present and not null.
func (o object) has(key string) bool {
	raw, ok := o.m[key]
	return ok && string(bytes.TrimSpace(raw)) != "null"
}

// decode unmarshals key into dst; a type mismatch becomes a problem.
func (o object) decode(key string, dst any) bool {
	if !o.has(key) {
		return false
	}
	if err := json.Unmarshal(o.m[key], dst); err != nil {
		o.problem(key, err)
		return false
	}
	return true
}

// items is decode into []json.RawMessage: an array is cut into spans
// rather than checked and copied again; anything else fails as decode does.
func (o object) items(key string) ([]json.RawMessage, bool) {
	if !o.has(key) {
		return nil, false
	}
	if raw := o.m[key]; raw[0] == '[' {
		return splitArray(raw), true
	}
	var raws []json.RawMessage
	return raws, o.decode(key, &raws)
}

// str and time call the lenient decoders directly on the span, which is
// what json.Unmarshal would do after checking it again.
func (o object) str(key string) string {
	var s flexString
	o.decodeSelf(key, &s)
	return string(s)
}

func (o object) time(key string) time.Time {
	var t flexTime
	o.decodeSelf(key, &t)
	return time.Time(t)
}

// decodeSelf is decode for a type that decodes itself.
func (o object) decodeSelf(key string, dst json.Unmarshaler) {
	if o.has(key) {
		if err := dst.UnmarshalJSON(o.m[key]); err != nil {
			o.problem(key, err)
		}
	}
}

func (o object) problem(key string, err error) {
	if o.problems != nil {
		*o.problems = append(*o.problems, key+": "+cleanErr(err))
	}
}

// cleanErr drops encoding/json's Go type names, which mean nothing to a
// reader of the payload.
func cleanErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := te.Field
		if where == "" {
			where = "value"
		}
		return fmt.Sprintf("%s is a JSON %s of the wrong kind", where, te.Value)
	}
	return err.Error()
}
