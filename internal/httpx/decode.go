package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"charla/internal/problem"
)

// Decode reads a JSON object into dst, a pointer to a struct. Following
// the spec, a body that cannot be parsed is a 400, while well-formed JSON with
// unknown, null or mistyped fields is a 422 naming each field.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	data, err := ReadJSON(w, r, MaxJSON)
	if err != nil {
		return err
	}
	return decodeFields(data, dst, "")
}

// ReadJSON reads a request body that must be one JSON object of at most
// limit bytes: a wrong content type, an empty or unparsable body, or anything
// but an object is a 400, a larger body a 413. Callers with their own field
// rules decode what it returns.
func ReadJSON(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, problem.New(problem.BadRequest, "send the body as application/json")
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, problem.New(problem.TooLarge, "the JSON body is larger than %d bytes", limit)
		}
		return nil, problem.New(problem.BadRequest, "could not read the request body")
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, problem.New(problem.BadRequest, "the request body is empty; send a JSON object")
	}
	if err := objectOnly(data); err != nil {
		return nil, err
	}
	return data, nil
}

// objectOnly is a 400 unless data is a JSON object.
func objectOnly(data []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
			return problem.New(problem.BadRequest, "the body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
		}
		return problem.New(problem.BadRequest, "the body must be a JSON object")
	}
	return nil
}

// DecodeNested decodes raw, the value of the object field name, into dst.
func DecodeNested(raw json.RawMessage, dst any, name string) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return problem.Field(name, "must be an object")
	}
	return decodeFields(raw, dst, name+".")
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

// decodeFields decodes the JSON object data into dst. Keys must match the
// json tags exactly (encoding/json alone would accept "NAME" for "name"), and
// null is refused except for json.RawMessage fields, whose handlers decide.
func decodeFields(data []byte, dst any, prefix string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return objectOnly(data)
	}
	known := jsonFields(reflect.TypeOf(dst).Elem())
	f := problem.Fields{}
	for k, v := range obj {
		t, ok := known[k]
		switch {
		case !ok:
			f.Add(prefix+k, "unknown field")
		case string(v) == "null":
			if t != rawMessage {
				f.Add(prefix+k, "must not be null")
			}
		default:
			// Each field on its own, so every mistyped one is named by its
			// JSON key (the decoder's path would name Go types instead).
			err := json.Unmarshal(v, reflect.New(t).Interface())
			if typ, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
				f.Add(prefix+k, "must be "+kindWord(t, typ.Type))
			}
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return problem.New(problem.BadRequest, "the body is not valid JSON: %v", err)
	}
	return nil
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the json names of struct type t to their field types,
// including those of embedded structs, as encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	collectFields(m, t)
	fieldCache.Store(t, m)
	return m
}

func collectFields(m map[string]reflect.Type, t reflect.Type) {
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			collectFields(m, f.Type)
		case name != "" && name != "-":
			m[name] = f.Type
		}
	}
}

// kindWord says in JSON terms what a field of type field holds; got is the Go
// type encoding/json failed to fill, an element type when field is a slice.
func kindWord(field, got reflect.Type) string {
	for field != nil && field.Kind() == reflect.Pointer {
		field = field.Elem()
	}
	if field != nil && field.Kind() == reflect.Slice && got.Kind() != reflect.Slice {
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(kindWord(nil, got), "a "), "an ") + "s"
	}
	for got.Kind() == reflect.Pointer {
		got = got.Elem()
	}
	switch got.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "an array"
	default:
		return "an object"
	}
}
