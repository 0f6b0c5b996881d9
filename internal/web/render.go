package web

import (
	"bytes"
	"net/http"
	"sort"
	"strings"

	"github.com/a-h/templ"

	"charla/internal/problem"
	"charla/internal/web/templates"
)

// render writes c as an HTML response with status. It renders into a buffer
// first so that a failing template still becomes a clean 500.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	// Pages hold private conversations: keep them out of shared and back-button caches.
	hd.Set("Cache-Control", "no-store")
	// The same URL answers a whole page or an htmx fragment.
	hd.Add("Vary", "HX-Request, HX-Target")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows err: as a toast to htmx, as an error page otherwise. Internal
// errors are logged and shown without their details.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := problem.As(err)
	if p.Kind == problem.Internal {
		h.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	msg := describe(p)
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#toast")
		w.Header().Set("HX-Reswap", "innerHTML")
		h.render(w, r, p.Status(), templates.Toast(msg))
		return
	}
	h.render(w, r, p.Status(), templates.ErrorPage(h.layout(r, errorTitle(p.Status()), ""), p.Status(), msg))
}

// describe turns a problem into one sentence for a person.
func describe(p *problem.Error) string {
	switch p.Kind {
	case problem.Internal:
		return "Something went wrong on our side. Please try again."
	case problem.Invalid:
		if len(p.Fields) > 0 {
			return fieldSentence(p.Fields)
		}
	case problem.NotFound:
		return upperFirst(p.Message) + "."
	}
	return upperFirst(p.Message)
}

// fieldSentence lists field errors as "Email is required. Phone …".
func fieldSentence(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strings.TrimSuffix(templates.FieldMessage(k, fields[k]), ".") + "."
	}
	return strings.Join(parts, " ")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Not found"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusTooManyRequests:
		return "Too many attempts"
	case http.StatusRequestEntityTooLarge:
		return "Too large"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return http.StatusText(status)
}

// layout is the frame of a page for the request's user (nil before sign-in).
func (h *handler) layout(r *http.Request, title, nav string) templates.Layout {
	return templates.Layout{Title: title, Nav: nav, User: maybeUser(r.Context())}
}

// formErrors splits err into a message and per-field messages for a form;
// errors that aren't a person's to fix are logged.
func (h *handler) formErrors(r *http.Request, err error) (int, templates.Errors) {
	p := problem.As(err)
	if p.Kind == problem.Internal {
		h.log.ErrorContext(r.Context(), "form failed", "path", r.URL.Path, "err", err)
	}
	e := templates.Errors{Fields: p.Fields}
	if len(p.Fields) == 0 {
		e.Message = describe(p)
	} else {
		e.Message = "Please correct the fields marked below."
	}
	return p.Status(), e
}
