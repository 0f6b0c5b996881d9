package api

import (
	"context"
	"errors"
	"net"
	"net/http"

	"charla/internal/channel"
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
	if g, ok := errors.AsType[*gatewayError](err); ok {
		a.log.WarnContext(r.Context(), "provider failed", "method", r.Method, "path", r.URL.Path, "err", g.err)
		a.errorStatus(w, r, http.StatusBadGateway, "bad_gateway", g.msg, nil)
		return
	}
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

// gatewayError is a channel provider that gave no usable answer (down,
// unreachable, throttling): the spec's 502 bad_gateway. msg is shown; err
// is only logged.
type gatewayError struct {
	msg string
	err error
}

func (e *gatewayError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *gatewayError) Unwrap() error { return e.err }

// providerError is how provider clients describe a failed call
// (whatsapp.Error, whatsapp.APIError): a plain-language explanation, and
// whether the same call may work later.
type providerError interface {
	error
	Plain() string
	Retryable() bool
}

// checkFailed says what a failed connection check means to an API client.
// A provider that refused (rejected credentials, an unknown number) is the
// channel's state, which an admin must fix: 409 with the explanation. One that
// could not answer (unreachable, down, throttling) is 502. Problems keep their
// kind unless it would read as being about the API request itself (401, 403,
// 404, 422, 429 …): those are the channel's, so they become 409 or 502.
func checkFailed(err error) error {
	if p, ok := errors.AsType[*problem.Error](err); ok {
		switch p.Kind {
		case problem.Conflict, problem.Internal:
			return err
		case problem.TooMany:
			return &gatewayError{msg: "the provider is throttling requests (" + p.Message + "); try again later", err: err}
		}
		return &problem.Error{Kind: problem.Conflict, Message: "the connection check failed: " + p.Message, Fields: p.Fields}
	}
	if d, ok := errors.AsType[*channel.DeliveryError](err); ok {
		return providerFailure(d.Retryable, d.Reason, err)
	}
	if p, ok := errors.AsType[providerError](err); ok {
		return providerFailure(p.Retryable(), p.Plain(), err)
	}
	if _, ok := errors.AsType[net.Error](err); ok || errors.Is(err, context.DeadlineExceeded) {
		return &gatewayError{msg: "the provider could not be reached; try again later", err: err}
	}
	return err
}

func providerFailure(retryable bool, reason string, err error) error {
	if retryable {
		if reason == "" {
			reason = "the provider failed to answer; try again later"
		}
		return &gatewayError{msg: reason, err: err}
	}
	if reason == "" {
		reason = "the provider refused the connection check"
	}
	return problem.New(problem.Conflict, "%s", reason)
}

// providerFailed says what a failed provider call behind a template or
// business-profile operation means to an API client. The WhatsApp types
// report a refusal as a 400 problem whose message holds the provider's error
// code, its words and a plain explanation: the request itself was fine, so it
// becomes a 409 carrying that message. A provider that could not answer is a
// 502. Other problems (field errors, not found …) keep their kind.
func providerFailed(err error) error {
	if p, ok := errors.AsType[*problem.Error](err); ok {
		switch p.Kind {
		case problem.BadRequest:
			return &problem.Error{Kind: problem.Conflict, Message: p.Message, Fields: p.Fields}
		case problem.TooMany:
			return &gatewayError{msg: "the provider is throttling requests (" + p.Message + "); try again later", err: err}
		}
		return err
	}
	if d, ok := errors.AsType[*channel.DeliveryError](err); ok {
		if !d.Retryable {
			return problem.New(problem.Conflict, "%s", d.Error())
		}
		return providerFailure(true, d.Reason, err)
	}
	if _, ok := errors.AsType[net.Error](err); ok || errors.Is(err, context.DeadlineExceeded) {
		return &gatewayError{msg: "the provider could not be reached; try again later", err: err}
	}
	return err
}
