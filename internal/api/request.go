package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"charla/internal/problem"
)

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

func idCursor(id string) *string { return textCursor(id) }

func parseIDCursor(c string) (string, error) {
	id, err := parseTextCursor(c)
	if err != nil || (id != "" && !isID(id)) {
		return "", errForgedCursor
	}
	return id, nil
}

// textCursor wraps a key that is not an id (a segment's name) the same way.
func textCursor(key string) *string {
	if key == "" {
		return nil
	}
	c := base64.RawURLEncoding.EncodeToString([]byte(key))
	return &c
}

var errForgedCursor = badRequest("cursor", "is not a cursor this server gave out")

func parseTextCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !utf8.Valid(b) {
		return "", errForgedCursor
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
