// Package httpx holds what every charla HTTP surface shares: strict JSON in,
// problem-shaped errors out.
package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"charla/internal/problem"
)

// MaxJSON bounds a JSON request body.
const MaxJSON = 1 << 20

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Error writes err as {"error":{code,message,fields}}; internal errors are logged, not shown.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	p := problem.As(err)
	if p.Kind == problem.Internal {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	JSON(w, p.Status(), errorBody{Error: errorDetail{Code: p.Code(), Message: p.Message, Fields: p.Fields}})
}

// Decode reads a JSON body into v, rejecting unknown fields, trailing data and
// oversized bodies with a 400/413 that names the problem.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return problem.New(problem.BadRequest, "send the body as application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return problem.New(problem.TooLarge, "the JSON body is larger than %d bytes", MaxJSON)
		case errors.Is(err, io.EOF):
			return problem.New(problem.BadRequest, "the request body is empty; send a JSON object")
		case errors.As(err, &syn):
			return problem.New(problem.BadRequest, "malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return problem.New(problem.BadRequest, "field %q must be a %s", typ.Field, typ.Type.String())
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return problem.New(problem.BadRequest, "%s", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return problem.New(problem.BadRequest, "malformed JSON: %v", err)
		}
	}
	if dec.More() {
		return problem.New(problem.BadRequest, "the body must hold one JSON object only")
	}
	return nil
}

// Bearer returns the token of an "Authorization: Bearer …" header, or "".
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Nullable distinguishes a JSON field that is absent, null, or a string.
type Nullable struct {
	Set   bool
	Null  bool
	Value string
}

func (n *Nullable) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	if err := json.Unmarshal(b, &n.Value); err != nil {
		return fmt.Errorf("must be a string or null")
	}
	return nil
}
