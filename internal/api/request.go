package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"charla/internal/httpx"
	"charla/internal/problem"
)

// decodeBody reads a JSON object into dst, a pointer to a struct. Following
// the spec, a body that cannot be parsed is a 400, while well-formed JSON with
// unknown, null or mistyped fields is a 422 naming each field.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return problem.New(problem.BadRequest, "send the body as application/json")
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxJSON))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return problem.New(problem.TooLarge, "the JSON body is larger than %d bytes", httpx.MaxJSON)
		}
		return problem.New(problem.BadRequest, "could not read the request body")
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return problem.New(problem.BadRequest, "the request body is empty; send a JSON object")
	}
	return decodeFields(data, dst, "")
}

// decodeNested decodes raw, the value of the object field name, into dst.
func decodeNested(raw json.RawMessage, dst any, name string) error {
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
		if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
			return problem.New(problem.BadRequest, "the body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
		}
		return problem.New(problem.BadRequest, "the body must be a JSON object")
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

// Query parameters.

const (
	defaultLimit = 25
	maxLimit     = 100
	maxSearch    = 200
)

// page reads cursor and limit; the spec makes a bad limit a 400 rather than
// silently clamping it.
func page(r *http.Request) (cursor string, limit int, err error) {
	q := r.URL.Query()
	limit = defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return "", 0, badRequest("limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	// An empty cursor is the first page, as if it were absent.
	return q.Get("cursor"), limit, nil
}

// search reads a free-text query parameter.
func search(r *http.Request, name string) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if utf8.RuneCountInString(v) > maxSearch {
		return "", badRequest(name, "must be at most 200 characters")
	}
	return v, nil
}

// idQuery reads an optional id filter; a malformed one is a 400.
func idQuery(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v != "" && !isID(v) {
		return "", badRequest(name, "must be an id")
	}
	return v, nil
}

// isID tells whether s is a UUID in its canonical 36-character form, the only
// form ids are stored in.
func isID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// pathID returns the path parameter name. A malformed id cannot exist, so it
// is the not-found the spec promises, without asking the database.
func pathID(r *http.Request, name, what string) (string, error) {
	id := chi.URLParam(r, name)
	if !isID(id) {
		return "", problem.NotFoundf(what)
	}
	return id, nil
}

// pathParam returns a path parameter percent-decoded. chi hands out the raw
// (still encoded) text when the path needed RawPath, e.g. for an encoded "/".
func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if r.URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

// Cursors. Contacts and channels page by id; the API wraps the id so cursors
// stay opaque and a forged one is a 400 instead of an odd page.

func idCursor(id string) *string {
	if id == "" {
		return nil
	}
	c := base64.RawURLEncoding.EncodeToString([]byte(id))
	return &c
}

func parseIDCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !isID(string(b)) {
		return "", badRequest("cursor", "is not a cursor this server gave out")
	}
	return string(b), nil
}

// inboxCursor passes the inbox's own opaque cursor through.
func inboxCursor(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// cursorErr turns the inbox's 422 for a bad cursor into the spec's 400.
func cursorErr(err error) error {
	var p *problem.Error
	if errors.As(err, &p) && p.Kind == problem.Invalid {
		if msg, ok := p.Fields["cursor"]; ok {
			return badRequest("cursor", msg)
		}
	}
	return err
}
