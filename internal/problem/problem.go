// Package problem is charla's error vocabulary: domain packages say what went
// wrong (invalid fields, not found, conflict …) and the HTTP layers turn that
// into a status code and a message that says what to fix.
package problem

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Kind classifies an error for the caller.
type Kind int

const (
	Internal Kind = iota
	BadRequest
	Unauthorized
	Forbidden
	NotFound
	Conflict
	TooLarge
	Invalid
	TooMany
)

var statuses = map[Kind]int{
	Internal:     http.StatusInternalServerError,
	BadRequest:   http.StatusBadRequest,
	Unauthorized: http.StatusUnauthorized,
	Forbidden:    http.StatusForbidden,
	NotFound:     http.StatusNotFound,
	Conflict:     http.StatusConflict,
	TooLarge:     http.StatusRequestEntityTooLarge,
	Invalid:      http.StatusUnprocessableEntity,
	TooMany:      http.StatusTooManyRequests,
}

// codes are the machine-readable codes every HTTP surface answers with (the
// REST API's spec documents them).
var codes = map[Kind]string{
	Internal:     "internal_error",
	BadRequest:   "bad_request",
	Unauthorized: "unauthorized",
	Forbidden:    "forbidden",
	NotFound:     "not_found",
	Conflict:     "conflict",
	TooLarge:     "payload_too_large",
	Invalid:      "validation_failed",
	TooMany:      "rate_limited",
}

// Error is an error a user can act on.
type Error struct {
	Kind    Kind
	Message string
	// Fields maps an input field to what is wrong with it.
	Fields map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Status is the HTTP status for e.
func (e *Error) Status() int { return statuses[e.Kind] }

// Code is the machine-readable code for e.
func (e *Error) Code() string { return codes[e.Kind] }

// As returns the *Error inside err, or an Internal one for anything else
// (whose message must not leak internals to the client).
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "internal error"}
}

// Is tells whether err is a problem of kind k.
func Is(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

func New(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf says what was not found, e.g. NotFoundf("conversation").
func NotFoundf(what string) error { return New(NotFound, "%s not found", what) }

// Fields collects field errors; Err returns nil when there are none.
type Fields map[string]string

// Add records a problem with field unless one is already recorded.
func (f Fields) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err is a 422 carrying the fields, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "some fields are invalid", Fields: f}
}

// Field is a 422 for one field.
func Field(field, msg string) error { return Fields{field: msg}.Err() }
