package web

import (
	"errors"
	"io"
	"net/http"

	"charla/internal/channel"
	"charla/internal/problem"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// This file is the form that submits a new template for WhatsApp's review.
// The service checks every rule before anything reaches the provider; a
// failure shows the form again as typed, each problem by its field.

func (h *handler) newTemplatePage(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "templates")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := templates.TemplateInput{Category: msgtpl.CategoryUtility}
	h.render(w, r, http.StatusOK, templates.NewTemplatePage(h.templateForm(r, c, in)))
}

func (h *handler) templateForm(r *http.Request, c channel.Channel, in templates.TemplateInput) templates.TemplateForm {
	return templates.TemplateForm{Settings: h.settings(r, "channels", c.Name+" · New template"),
		Nav: h.channelNav(c, "templates"), In: in}
}

func (h *handler) submitTemplate(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "templates")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	file, cleanup, err := readSampleForm(w, r)
	defer cleanup()
	in := postedTemplate(r)
	if file != nil {
		in.HeaderFile = file.Filename
	}
	var buttons []string
	if err == nil {
		var sub msgtpl.Submission
		sub, buttons = submission(in, file)
		_, err = h.s.Templates.Submit(r.Context(), c.WorkspaceID, c.ID, sub)
	}
	if err != nil {
		if p := problem.As(err); p.Kind == problem.NotFound {
			h.fail(w, r, err)
			return
		}
		status, e := h.formErrors(r, err)
		e.Fields = formFields(e.Fields, buttons)
		v := h.templateForm(r, c, in)
		v.Errors = e
		h.render(w, r, status, templates.NewTemplatePage(v))
		return
	}
	done(w, r, "/settings/channels/"+c.ID+"/templates", "template-submitted")
}

// readSampleForm parses the form within the sample size limit and reads the
// header's sample file, if one was chosen.
func readSampleForm(w http.ResponseWriter, r *http.Request) (*msgtpl.SampleFile, func(), error) {
	cleanup := func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}
	tooLarge := problem.Field("header.sample", "must be at most 20 MB")
	limit := int64(msgtpl.MaxSampleBytes + formSlack)
	if r.ContentLength > limit {
		return nil, cleanup, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseMultipartForm(formMemory)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, cleanup, tooLarge
	case errors.Is(err, http.ErrNotMultipart):
		return nil, cleanup, nil // a form without a file input
	case err != nil:
		return nil, cleanup, problem.New(problem.BadRequest, "the form could not be read: %v", err)
	}
	fhs := r.MultipartForm.File["header_file"]
	if len(fhs) == 0 || (fhs[0].Filename == "" && fhs[0].Size == 0) {
		return nil, cleanup, nil
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, cleanup, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, msgtpl.MaxSampleBytes+1))
	if err != nil {
		return nil, cleanup, err
	}
	return &msgtpl.SampleFile{Filename: fhs[0].Filename, MimeType: fhs[0].Header.Get("Content-Type"), Data: data}, cleanup, nil
}
