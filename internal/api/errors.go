package api

import (
	"net/http"

	"charla/internal/httpx"
	"charla/internal/problem"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// error writes err in the spec's Error shape. Anything that is not a
// problem is logged and reported as a bare 500, never shown.
func (a *server) error(w http.ResponseWriter, r *http.Request, err error) {
	p := problem.As(err)
	if p.Kind == problem.Internal {
		a.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	a.errorStatus(w, r, p.Status(), p.Code(), p.Message, p.Fields)
}

func (a *server) errorStatus(w http.ResponseWriter, _ *http.Request, status int, code, msg string, fields map[string]string) {
	httpx.JSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg, Fields: fields}})
}

// badRequest is a 400 naming fields, for malformed query parameters.
func badRequest(field, msg string) error {
	return &problem.Error{Kind: problem.BadRequest, Message: "invalid query parameter " + field, Fields: map[string]string{field: msg}}
}
