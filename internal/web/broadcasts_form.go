package web

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"charla/internal/auth"
	"charla/internal/broadcast"
	"charla/internal/channel"
	"charla/internal/content"
	"charla/internal/problem"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// This file is the form that creates or edits a draft broadcast, and the
// fragments it re-reads as choices change: the message part for a channel,
// a template's variable inputs and preview (the composer's), a segment's
// live count and an uploaded list's preview. Nothing is sent from here:
// a saved draft opens its page, which shows the estimate and starts it.

// maxCSVBytes bounds an uploaded audience list (100,000 numbers fit easily).
const maxCSVBytes = 10 << 20

// contactFieldVar finds the contact fields a template value uses.
var contactFieldVar = regexp.MustCompile(`\{\{\s*(contact\.[A-Za-z0-9_.\-]+)\s*\}\}`)

// postedBroadcast is the form as submitted.
type postedBroadcast struct {
	Name, ChannelID, TemplateID, Text string
	// Form holds every field, the template's variables among them.
	Form                                  url.Values
	Audience, SegmentID, KeptIDs, Region  string
	When, ScheduledAt, TimeZone, SampleID string
	File                                  *multipart.FileHeader
}

func readPostedBroadcast(r *http.Request) postedBroadcast {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	p := postedBroadcast{Name: v("name"), ChannelID: v("channel_id"), TemplateID: v("template_id"), Text: r.PostFormValue("text"),
		Form: r.PostForm, Audience: v("audience"), SegmentID: v("segment_id"), KeptIDs: v("kept_ids"),
		Region: strings.ToUpper(v("csv_region")), When: v("when"), ScheduledAt: v("scheduled_at"), TimeZone: v("time_zone"),
		SampleID: v("sample_contact_id")}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["csv"]; len(fhs) > 0 && (fhs[0].Filename != "" || fhs[0].Size > 0) {
			p.File = fhs[0]
		}
	}
	return p
}

// parseBroadcastForm reads a multipart (or plain) form within the list's size limit.
func parseBroadcastForm(w http.ResponseWriter, r *http.Request) (func(), error) {
	cleanup := func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}
	tooLarge := problem.Field("file", "must be at most 10 MB; split the list")
	if r.ContentLength > maxCSVBytes+formSlack {
		return cleanup, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCSVBytes+formSlack)
	err := r.ParseMultipartForm(formMemory)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return cleanup, tooLarge
	case errors.Is(err, http.ErrNotMultipart):
		return cleanup, nil
	case err != nil:
		return cleanup, problem.New(problem.BadRequest, "the form could not be read: %v", err)
	}
	return cleanup, nil
}

func (h *handler) newBroadcastPage(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	p := postedBroadcast{ChannelID: r.URL.Query().Get("channel_id"), Audience: "segment", When: "now"}
	v, err := h.broadcastForm(r, u, nil, p, templates.Errors{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.BroadcastFormPage(v))
}

func (h *handler) editBroadcastPage(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	b, err := h.editableBroadcast(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.broadcastForm(r, u, &b, postedFrom(b), templates.Errors{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.BroadcastFormPage(v))
}

// editableBroadcast is broadcast {id}, refused once it started.
func (h *handler) editableBroadcast(r *http.Request) (broadcast.Broadcast, error) {
	b, err := h.requestBroadcast(r)
	if err == nil && b.Status != broadcast.Draft && b.Status != broadcast.Scheduled {
		err = problem.New(problem.Conflict, "a %s broadcast can no longer be changed", b.Status)
	}
	return b, err
}

// postedFrom is a saved broadcast as its form would post it.
func postedFrom(b broadcast.Broadcast) postedBroadcast {
	p := postedBroadcast{Name: b.Name, ChannelID: b.ChannelID, Text: b.Text, Form: url.Values{}, Audience: "segment",
		SegmentID: b.Audience.SegmentID, When: "now", TimeZone: b.TimeZone}
	if b.Template != nil {
		for k, val := range templateInputValues(b.Template.Values) {
			p.Form.Set(k, val)
		}
	}
	if b.Audience.SegmentID == "" && len(b.Audience.ContactIDs) > 0 {
		p.Audience = "csv"
	}
	if b.ScheduledAt != nil {
		p.When = "later"
		loc, err := time.LoadLocation(b.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		p.ScheduledAt = b.ScheduledAt.In(loc).Format("2006-01-02T15:04")
	}
	return p
}

// templateInputValues are a template's values by the composer's input names.
func templateInputValues(v msgtpl.Values) map[string]string {
	m := map[string]string{}
	if len(v.Header) > 0 {
		m[templates.VarHeader] = v.Header[0]
	}
	for i, s := range v.Body {
		m[templates.VarBody(i+1)] = s
	}
	for i, s := range v.Buttons {
		m[templates.VarButton(i)] = s
	}
	if v.HeaderMedia != nil {
		m[templates.VarMediaLink], m[templates.VarMediaFilename] = v.HeaderMedia.Link, v.HeaderMedia.Filename
	}
	if l := v.HeaderLocation; l != nil {
		m[templates.VarLatitude] = strconv.FormatFloat(l.Latitude, 'f', -1, 64)
		m[templates.VarLongitude] = strconv.FormatFloat(l.Longitude, 'f', -1, 64)
		m[templates.VarLocationName], m[templates.VarLocationAddr] = l.Name, l.Address
	}
	return m
}

// postedTemplateInputs are the template variables' inputs as posted.
func postedTemplateInputs(form url.Values) map[string]string {
	m := map[string]string{}
	for k, vs := range form {
		if strings.HasPrefix(k, "tpl_") && len(vs) > 0 {
			m[k] = vs[0]
		}
	}
	return m
}

// broadcastForm builds the form for p (b is the broadcast edited, nil for a new one).
func (h *handler) broadcastForm(r *http.Request, u auth.User, b *broadcast.Broadcast, p postedBroadcast, e templates.Errors) (templates.BroadcastForm, error) {
	ctx := r.Context()
	title := "New broadcast"
	if b != nil {
		title = "Edit " + b.Name
	}
	v := templates.BroadcastForm{Layout: h.layout(r, title+" · Broadcasts", "broadcasts"), Errors: e, Name: p.Name,
		When: p.When, ScheduledAt: p.ScheduledAt, TimeZone: p.TimeZone}
	if b != nil {
		v.ID = b.ID
	}
	chans, err := h.s.Channels.List(ctx, u.WorkspaceID)
	if err != nil {
		return v, err
	}
	for _, c := range chans {
		v.Channels = append(v.Channels, templates.BroadcastChannel{ID: c.ID, Name: c.Name, Type: c.Type})
	}
	if len(chans) == 0 {
		return v, nil
	}
	ch := chans[0]
	if i := slices.IndexFunc(chans, func(c channel.Channel) bool { return c.ID == p.ChannelID }); i >= 0 {
		ch = chans[i]
	}
	v.ChannelID = ch.ID
	// The audience first: its first contact fills the template's preview.
	if v.Audience, err = h.broadcastFormAudienceView(ctx, u, ch.ID, p, e); err != nil {
		return v, err
	}
	if p.SampleID == "" {
		p.SampleID = v.Audience.Segment.SampleID
	}
	if p.SampleID == "" && p.Audience == "csv" && b != nil && len(b.Audience.ContactIDs) > 0 {
		p.SampleID = b.Audience.ContactIDs[0]
	}
	if b != nil && p.Audience == "csv" {
		v.Audience.Kept = len(b.Audience.ContactIDs)
	}
	if p.TemplateID == "" && b != nil && b.Template != nil && b.ChannelID == ch.ID {
		if t, err := h.s.Templates.Find(ctx, u.WorkspaceID, ch.ID, b.Template.Name, b.Template.Language); err == nil {
			p.TemplateID = t.ID
		}
	}
	v.Content, err = h.broadcastContent(ctx, u, ch, p, e)
	return v, err
}

// broadcastFormAudienceView is the audience part of the form.
func (h *handler) broadcastFormAudienceView(ctx context.Context, u auth.User, channelID string, p postedBroadcast, e templates.Errors) (templates.BroadcastFormAudience, error) {
	a := templates.BroadcastFormAudience{Kind: p.Audience, SegmentID: p.SegmentID, Region: p.Region, Errors: e}
	segs, err := h.s.Contacts.ListSegments(ctx, u.WorkspaceID)
	if err != nil {
		return a, err
	}
	for _, s := range segs {
		a.Segments = append(a.Segments, templates.SegmentOption{ID: s.ID, Name: s.Name})
	}
	if p.SegmentID != "" {
		if a.Segment, err = h.segmentInfo(ctx, u, channelID, p.SegmentID); err != nil {
			return a, err
		}
	}
	return a, nil
}

// segmentInfo is segment id's count now, with a contact of it for previews.
func (h *handler) segmentInfo(ctx context.Context, u auth.User, channelID, id string) (templates.BroadcastSegmentInfo, error) {
	info := templates.BroadcastSegmentInfo{Chosen: true}
	est, err := h.s.Broadcasts.EstimateFor(ctx, u.WorkspaceID, channelID, broadcast.Audience{SegmentID: id})
	if err != nil {
		if problem.As(err).Kind == problem.Internal {
			return info, err
		}
		info.Err = describe(problem.As(broadcastFieldErr(err)))
		return info, nil
	}
	info.Count = est.Recipients
	sg, err := h.s.Contacts.GetSegment(ctx, u.WorkspaceID, id)
	if err != nil {
		return info, nil // deleted meanwhile: the count said what there is
	}
	if first, err := h.s.Contacts.Match(ctx, u.WorkspaceID, sg.Filter, "", 1); err == nil && len(first) > 0 {
		info.SampleID = first[0].ContactID
	}
	return info, nil
}

// broadcastContent is the message part of the form for channel ch.
func (h *handler) broadcastContent(ctx context.Context, u auth.User, ch channel.Channel, p postedBroadcast, e templates.Errors) (templates.BroadcastFormContent, error) {
	c := templates.BroadcastFormContent{ChannelID: ch.ID, Text: p.Text, Errors: e}
	if !sendsTemplates(h.s.Channels, ch) {
		return c, nil
	}
	c.Templates = true
	c.ManageTemplates = "/settings/channels/" + ch.ID + "/templates"
	list, _, err := h.s.Templates.List(ctx, u.WorkspaceID, ch.ID, msgtpl.Filter{Status: msgtpl.StatusApproved})
	if err != nil {
		return c, err
	}
	for _, t := range list {
		c.Options = append(c.Options, templates.TemplateOption{ID: t.ID, Name: t.Name, Language: t.Language})
	}
	if p.TemplateID == "" {
		return c, nil
	}
	t, err := h.s.Templates.Get(ctx, u.WorkspaceID, p.TemplateID)
	if problem.Is(err, problem.NotFound) || (err == nil && t.ChannelID != ch.ID) {
		return c, nil // another channel's: chosen again
	}
	if err != nil {
		return c, err
	}
	c.TemplateID = t.ID
	sample, name := h.sampleVars(ctx, u.WorkspaceID, p.SampleID)
	c.Sample = name
	slots := t.Slots()
	values, _ := templateValues(p.Form, slots)
	values.Vars = sample
	if sample == nil {
		values.Vars = fieldNameVars(values)
	}
	c.Vars = templates.TemplateVars{Template: t, Slots: slots, Values: postedTemplateInputs(p.Form),
		Dynamic: templates.BroadcastDynamic(sample), Preview: msgtpl.Sketch(t, values)}
	return c, nil
}

// sendsTemplates tells whether ch sends approved templates (WhatsApp).
func sendsTemplates(s *channel.Service, ch channel.Channel) bool {
	t, ok := s.Types().Get(ch.Type)
	return ok && slices.Contains(t.Capabilities().Kinds, content.KindTemplate)
}

// sampleVars are the contact fields of contact id, whom a preview is filled
// for, and their name; nil when there is no such contact.
func (h *handler) sampleVars(ctx context.Context, ws, id string) (map[string]string, string) {
	if id == "" {
		return nil, ""
	}
	c, err := h.s.Contacts.Get(ctx, ws, id)
	if err != nil {
		return nil, ""
	}
	name := c.Name
	if strings.TrimSpace(name) == "" {
		name = c.Phone
	}
	return msgtpl.ResolveVars(c, ""), name
}

// formChannel is the channel a form fragment is for.
func (h *handler) formChannel(r *http.Request) (channel.Channel, error) {
	return h.s.Channels.Get(r.Context(), currentUser(r.Context()).WorkspaceID, strings.TrimSpace(r.URL.Query().Get("channel_id")))
}

// broadcastFormContent answers a change of channel with its message part.
func (h *handler) broadcastFormContent(w http.ResponseWriter, r *http.Request) {
	h.formContent(w, r, postedBroadcast{SampleID: r.URL.Query().Get("sample_contact_id")}, func(c templates.BroadcastFormContent) templ.Component {
		return templates.BroadcastContentSection(c)
	})
}

// broadcastFormTemplate answers a template choice with its variables' inputs and preview.
func (h *handler) broadcastFormTemplate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := postedBroadcast{TemplateID: strings.TrimSpace(q.Get("template_id")), SampleID: q.Get("sample_contact_id"), Form: url.Values{}}
	h.formContent(w, r, p, func(c templates.BroadcastFormContent) templ.Component { return templates.BroadcastTemplateVars(c) })
}

// broadcastFormPreview re-draws the template preview as variables are typed.
func (h *handler) broadcastFormPreview(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := postedBroadcast{TemplateID: strings.TrimSpace(q.Get("template_id")), SampleID: q.Get("sample_contact_id"), Form: q}
	h.formContent(w, r, p, func(c templates.BroadcastFormContent) templ.Component {
		if c.TemplateID == "" {
			return nil
		}
		return templates.TemplatePreview(c.Vars.Preview)
	})
}

// formContent renders one piece of the form's content section for the
// channel chosen (nil: nothing to show, 204).
func (h *handler) formContent(w http.ResponseWriter, r *http.Request, p postedBroadcast, view func(templates.BroadcastFormContent) templ.Component) {
	ch, err := h.formChannel(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.broadcastContent(r.Context(), currentUser(r.Context()), ch, p, templates.Errors{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := view(c)
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.render(w, r, http.StatusOK, v)
}

// broadcastFormAudience answers a segment choice with its live count; the
// preview is told to re-read, as it may be filled for another contact now.
func (h *handler) broadcastFormAudience(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	ch, err := h.formChannel(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	info := templates.BroadcastSegmentInfo{}
	if id := strings.TrimSpace(r.URL.Query().Get("segment_id")); id != "" {
		if info, err = h.segmentInfo(r.Context(), u, ch.ID, id); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	w.Header().Set("HX-Trigger", "bc-sample-changed")
	h.render(w, r, http.StatusOK, templates.BroadcastSegmentCount(info))
}

// broadcastFormCSV previews an uploaded list: each row's contact or what
// is wrong with it. Nothing is written.
func (h *handler) broadcastFormCSV(w http.ResponseWriter, r *http.Request) {
	cleanup, err := parseBroadcastForm(w, r)
	defer cleanup()
	p := readPostedBroadcast(r)
	if err == nil && p.File == nil {
		err = problem.Field("file", "choose a CSV file")
	}
	var v templates.BroadcastCSV
	if err == nil {
		var f multipart.File
		if f, err = p.File.Open(); err == nil {
			v.P, err = h.s.Broadcasts.PreviewCSV(r.Context(), currentUser(r.Context()).WorkspaceID, f, p.Region)
			_ = f.Close()
		}
	}
	status := http.StatusOK
	if err != nil {
		pr := problem.As(err)
		if pr.Kind == problem.Internal {
			h.fail(w, r, err)
			return
		}
		status, v.Err = pr.Status(), describe(problem.As(broadcastFieldErr(err)))
	}
	h.render(w, r, status, templates.BroadcastCSVPreview(v))
}

func (h *handler) createBroadcast(w http.ResponseWriter, r *http.Request) {
	h.saveBroadcast(w, r, nil)
}

func (h *handler) updateBroadcast(w http.ResponseWriter, r *http.Request) {
	b, err := h.editableBroadcast(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.saveBroadcast(w, r, &b)
}

// saveBroadcast creates (b nil) or updates a draft from the form. An
// uploaded list is imported (creating contacts for new numbers); mistakes
// the form can see itself (a schedule, a template of another channel, a
// variable without a value) are shown without asking the service, which
// checks the rest. A failure shows the form again as typed, each problem
// by its field, keeping an imported list.
func (h *handler) saveBroadcast(w http.ResponseWriter, r *http.Request, b *broadcast.Broadcast) {
	ctx := r.Context()
	u := currentUser(ctx)
	cleanup, err := parseBroadcastForm(w, r)
	defer cleanup()
	p := readPostedBroadcast(r)
	if b != nil {
		p.ChannelID = b.ChannelID // the channel stays
	}
	in := broadcast.Input{Name: p.Name, ChannelID: p.ChannelID, TimeZone: p.TimeZone}
	local := problem.Fields{}
	if err != nil {
		for k, msg := range problem.As(err).Fields {
			local.Add(k, msg)
		}
		if len(problem.As(err).Fields) == 0 {
			h.fail(w, r, err)
			return
		}
	}
	if err := h.postedContent(ctx, u, p, &in, local); err != nil {
		h.fail(w, r, err)
		return
	}
	var csv *templates.BroadcastCSV
	switch p.Audience {
	case "csv":
		switch {
		case p.File != nil:
		case p.KeptIDs != "":
			in.Audience.ContactIDs = strings.Fields(strings.ReplaceAll(p.KeptIDs, ",", " "))
		case b != nil && len(b.Audience.ContactIDs) > 0:
			in.Audience.ContactIDs = b.Audience.ContactIDs
		default:
			local.Add("file", "choose a CSV file with the audience")
		}
	default:
		in.Audience.SegmentID = p.SegmentID
		if p.SegmentID == "" {
			local.Add("audience.segment_id", "is required: choose a segment, or upload a list")
		}
	}
	if p.When == "later" {
		at, err := broadcast.LocalTime(p.ScheduledAt, p.TimeZone)
		if err != nil {
			for k, msg := range problem.As(err).Fields {
				local.Add(k, msg)
			}
		} else {
			in.ScheduledAt = &at
		}
	}
	// An uploaded list is imported even when something else is wrong, so
	// the form keeps it (a file input can't be filled again); contacts it
	// creates are found again by their numbers, never duplicated.
	kept := 0
	if p.Audience == "csv" && p.File != nil {
		var f multipart.File
		if f, err = p.File.Open(); err == nil {
			var pv broadcast.CSVPreview
			in.Audience, pv, err = h.s.Broadcasts.ImportCSV(ctx, u.WorkspaceID, f, p.Region)
			_ = f.Close()
			csv = &templates.BroadcastCSV{P: pv}
		}
		if err != nil {
			if problem.As(err).Kind == problem.Internal {
				h.fail(w, r, err)
				return
			}
			for k, msg := range problem.As(err).Fields {
				local.Add(k, msg)
			}
			if csv != nil {
				csv.Err = describe(problem.As(broadcastFieldErr(err)))
			}
		}
	}
	if p.Audience == "csv" {
		kept = len(in.Audience.ContactIDs)
	}
	err = local.Err()
	if err == nil {
		var saved broadcast.Broadcast
		if b == nil {
			saved, err = h.s.Broadcasts.Create(ctx, u, in)
		} else {
			saved, err = h.s.Broadcasts.Update(ctx, u.WorkspaceID, b.ID, in)
		}
		if err == nil {
			notice := "created"
			if b != nil {
				notice = "updated"
			}
			http.Redirect(w, r, "/broadcasts/"+saved.ID+"?done="+notice, http.StatusSeeOther)
			return
		}
	}
	if k := problem.As(err).Kind; k == problem.NotFound || k == problem.Conflict || k == problem.Internal {
		h.fail(w, r, err)
		return
	}
	// Keep what an upload imported, so the form needn't be given the file again.
	if csv != nil && csv.Err == "" && kept > 0 {
		p.KeptIDs = strings.Join(in.Audience.ContactIDs, " ")
	}
	status, e := h.formErrors(r, err)
	v, ferr := h.broadcastForm(r, u, b, p, e)
	if ferr != nil {
		h.fail(w, r, ferr)
		return
	}
	v.Audience.CSV = csv
	if p.Audience == "csv" {
		v.Audience.Kept, v.Audience.KeptIDs = kept, p.KeptIDs
	}
	h.render(w, r, status, templates.BroadcastFormPage(v))
}

// postedContent puts the posted message into in: the chosen template with
// its variables' values, or the text. A template of another channel, and
// values the form itself can tell are unusable, are noted in f.
func (h *handler) postedContent(ctx context.Context, u auth.User, p postedBroadcast, in *broadcast.Input, f problem.Fields) error {
	ch, err := h.s.Channels.Get(ctx, u.WorkspaceID, p.ChannelID)
	if problem.Is(err, problem.NotFound) {
		return nil // the service names the channel
	}
	if err != nil {
		return err
	}
	if !sendsTemplates(h.s.Channels, ch) {
		in.Text = p.Text
		return nil
	}
	if p.TemplateID == "" {
		f.Add("template_id", "is required: choose one of the channel's approved templates")
		return nil
	}
	t, err := h.s.Templates.Get(ctx, u.WorkspaceID, p.TemplateID)
	if problem.Is(err, problem.NotFound) || (err == nil && t.ChannelID != ch.ID) {
		f.Add("template_id", "is not a template of this channel; choose another")
		return nil
	}
	if err != nil {
		return err
	}
	slots := t.Slots()
	values, err := templateValues(p.Form, slots)
	if err != nil {
		for k, msg := range problem.As(err).Fields {
			f.Add("template.values."+k, msg)
		}
	}
	// Every variable needs a value or a contact field; the service checks
	// the rest when the broadcast starts.
	required := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			f.Add("template.values."+field, "is required: type a text or pick a contact field")
		}
	}
	if slots.HeaderText {
		required("header.{{1}}", values.Header[0])
	}
	for i, v := range values.Body {
		required(fmt.Sprintf("body.{{%d}}", i+1), v)
	}
	for _, b := range slots.Buttons {
		required(fmt.Sprintf("buttons[%d]", b.Index), values.Buttons[b.Index])
	}
	in.Template = &broadcast.Template{Name: t.Name, Language: t.Language, Values: values}
	return nil
}
