// Package httpx holds what every charla HTTP surface shares: strict JSON in,
// problem-shaped errors out.
package httpx

import (
	"encoding/json"
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

// Bearer returns the token of an "Authorization: Bearer …" header, or "".
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
