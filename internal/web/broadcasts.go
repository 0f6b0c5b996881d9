package web

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/broadcast"
	"charla/internal/events"
	"charla/internal/problem"
	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// This file is the broadcasts list, a broadcast's page (its estimate and
// start while a draft, its live progress and recipients after), the
// actions on it and its report. Everyone may look; owners and admins
// manage. The form is in broadcasts_form.go.

// SSE names of broadcast events: any broadcast changed (the list), or this one.
const (
	sseBroadcasts = "bcs"
	sseBroadcast  = "bc-"
)

// writeBroadcastEvent translates a broadcast's bus event for the stream.
func writeBroadcastEvent(w io.Writer, e events.Event) error {
	if !safeID.MatchString(e.Broadcast) {
		return nil
	}
	if err := writeEvent(w, sseBroadcasts, e.Broadcast); err != nil {
		return err
	}
	return writeEvent(w, sseBroadcast+e.Broadcast, e.Broadcast)
}

// broadcastRoutes registers the broadcast pages in the signed-in group.
func (h *handler) broadcastRoutes(r chi.Router) {
	r.Get("/broadcasts", h.broadcastsPage)
	r.Get("/broadcasts/{id}", h.broadcastPage)
	r.Get("/broadcasts/{id}/live", h.broadcastLive)
	r.Get("/broadcasts/{id}/recipients", h.broadcastRecipients)
	r.Get("/broadcasts/{id}/report", h.broadcastReport)
	r.Get("/broadcasts/{id}/messages/{mid}", h.broadcastConversation)
	r.Group(func(r chi.Router) {
		r.Use(h.broadcastManagers)
		r.Get("/broadcasts/new", h.newBroadcastPage)
		r.Post("/broadcasts", h.createBroadcast)
		r.Get("/broadcasts/{id}/edit", h.editBroadcastPage)
		r.Post("/broadcasts/{id}", h.updateBroadcast)
		r.Post("/broadcasts/{id}/delete", h.deleteBroadcast)
		r.Post("/broadcasts/{id}/start", h.startBroadcast)
		r.Post("/broadcasts/{id}/pause", h.pauseBroadcast)
		r.Post("/broadcasts/{id}/resume", h.resumeBroadcast)
		r.Post("/broadcasts/{id}/cancel", h.cancelBroadcast)
		r.Post("/broadcasts/{id}/retry", h.retryBroadcast)
		r.Get("/broadcasts/form/content", h.broadcastFormContent)
		r.Get("/broadcasts/form/template", h.broadcastFormTemplate)
		r.Get("/broadcasts/form/preview", h.broadcastFormPreview)
		r.Get("/broadcasts/form/audience", h.broadcastFormAudience)
		r.Post("/broadcasts/form/csv", h.broadcastFormCSV)
	})
}

// broadcastManagers admits owners and admins; agents may only look.
func (h *handler) broadcastManagers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !currentUser(r.Context()).CanManage() {
			h.fail(w, r, problem.New(problem.Forbidden, "Only owners and admins can create, start or stop broadcasts."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// broadcastNotices are the confirmations after an action, by ?done= key.
var broadcastNotices = map[string]string{
	"created":   "Draft saved. Check the estimate below, then send it.",
	"updated":   "Broadcast saved.",
	"started":   "Broadcast started. Progress shows here as it goes.",
	"scheduled": "Broadcast scheduled. It starts by itself at its time.",
	"paused":    "Broadcast paused. Nothing more is sent until you resume it.",
	"resumed":   "Broadcast resumed.",
	"cancelled": "Broadcast cancelled.",
	"deleted":   "Broadcast deleted.",
	"retried":   "Failed recipients whose failure may pass are being sent to again.",
	"no-retry":  "No failed recipient can be retried: their failures won't pass by sending again (see the report).",
}

// broadcastsPage is the list, filtered by status; its live refresh gets the rows only.
func (h *handler) broadcastsPage(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	q := r.URL.Query()
	status := q.Get("status")
	if !slices.Contains(templates.BroadcastStatuses, status) {
		status = ""
	}
	cursor := strings.TrimSpace(q.Get("cursor"))
	page, err := h.s.Broadcasts.List(r.Context(), u.WorkspaceID, status, cursor, 25)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names, err := h.channelNames(r.Context(), u.WorkspaceID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	segments, err := h.segmentNames(r.Context(), u.WorkspaceID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := templates.BroadcastList{Layout: h.layout(r, "Broadcasts", "broadcasts"), Notice: broadcastNotices[q.Get("done")],
		Status: status, Cursor: cursor, Next: page.Next, Manage: u.CanManage()}
	for _, b := range page.Broadcasts {
		v.Rows = append(v.Rows, templates.BroadcastRow{B: b, Channel: broadcastChannel(names, b.ChannelID),
			Audience: broadcastAudience(b.Audience, segments)})
	}
	if hxTarget(r) == "bc-rows" {
		h.render(w, r, http.StatusOK, templates.BroadcastRows(v))
		return
	}
	h.render(w, r, http.StatusOK, templates.BroadcastsPage(v))
}

func (h *handler) channelNames(ctx context.Context, ws string) (map[string]string, error) {
	list, err := h.s.Channels.List(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(list))
	for _, c := range list {
		out[c.ID] = c.Name
	}
	return out, nil
}

func (h *handler) segmentNames(ctx context.Context, ws string) (map[string]string, error) {
	list, err := h.s.Contacts.ListSegments(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(list))
	for _, s := range list {
		out[s.ID] = s.Name
	}
	return out, nil
}

func broadcastChannel(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "Deleted channel"
}

// broadcastAudience describes who a broadcast goes to.
func broadcastAudience(a broadcast.Audience, segments map[string]string) string {
	switch {
	case a.SegmentID != "":
		if n, ok := segments[a.SegmentID]; ok {
			return "Segment " + n
		}
		return "A deleted segment"
	case len(a.ContactIDs) == 1:
		return "A list of 1 contact"
	case len(a.ContactIDs) > 0:
		return "A list of " + strconv.Itoa(len(a.ContactIDs)) + " contacts"
	case a.Filter != nil:
		return "Contacts matching a filter"
	}
	return "No audience"
}

// requestBroadcast is the broadcast {id} of the user's workspace.
func (h *handler) requestBroadcast(r *http.Request) (broadcast.Broadcast, error) {
	return h.s.Broadcasts.Get(r.Context(), currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "id"))
}

func (h *handler) broadcastPage(w http.ResponseWriter, r *http.Request) {
	b, err := h.requestBroadcast(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.broadcastView(r, b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.BroadcastPageView(v))
}

// broadcastView gathers what a broadcast's page shows.
func (h *handler) broadcastView(r *http.Request, b broadcast.Broadcast) (templates.BroadcastPage, error) {
	ctx := r.Context()
	u := currentUser(ctx)
	ws := u.WorkspaceID
	live, err := h.liveView(ctx, u, b)
	if err != nil {
		return templates.BroadcastPage{}, err
	}
	v := templates.BroadcastPage{Layout: h.layout(r, b.Name+" · Broadcasts", "broadcasts"),
		Notice: broadcastNotices[r.URL.Query().Get("done")], Live: live}
	v.Channel = "Deleted channel"
	if ch, err := h.s.Channels.Get(ctx, ws, b.ChannelID); err == nil {
		v.Channel = ch.Name + " · " + templates.TypeLabel(ch.Type)
	} else if !problem.Is(err, problem.NotFound) {
		return v, err
	}
	segments, err := h.segmentNames(ctx, ws)
	if err != nil {
		return v, err
	}
	v.Audience = broadcastAudience(b.Audience, segments)
	v.Content = templates.BroadcastContent{Template: b.Template, Text: b.Text}
	if t := b.Template; t != nil {
		tpl, err := h.s.Templates.Find(ctx, ws, b.ChannelID, t.Name, t.Language)
		switch {
		case err == nil:
			values := t.Values
			values.Vars = fieldNameVars(values)
			p := msgtpl.Sketch(tpl, values)
			v.Content.Preview = &p
		case problem.As(err).Kind == problem.Internal:
			return v, err
		}
	}
	// The estimate, while the broadcast can still be started.
	if b.Status == broadcast.Draft || b.Status == broadcast.Scheduled || (b.Status == broadcast.Paused && b.StartedAt == nil) {
		est, err := h.s.Broadcasts.EstimateFor(ctx, ws, b.ChannelID, b.Audience)
		switch {
		case err == nil:
			v.Estimate = &est
		case problem.As(err).Kind == problem.Internal:
			return v, err
		default:
			v.EstimateErr = describe(problem.As(broadcastFieldErr(err)))
		}
	}
	if broadcastStarted(b) {
		rec, err := h.recipientsView(r, b.ID, r.URL.Query().Get("rstatus"), r.URL.Query().Get("after"))
		if err != nil {
			return v, err
		}
		v.Recipients = rec
	}
	return v, nil
}

// broadcastStarted tells whether a broadcast has recipients (it ran, or runs).
func broadcastStarted(b broadcast.Broadcast) bool {
	return b.Status != broadcast.Draft && b.Status != broadcast.Scheduled
}

// fieldNameVars fills each contact field a template's values use with its own
// name, so a preview reads "Hi {{contact.first_name}}" rather than "Hi {{1}}".
func fieldNameVars(v msgtpl.Values) map[string]string {
	out := map[string]string{}
	var all []string
	all = append(all, v.Header...)
	all = append(all, v.Body...)
	for _, b := range v.Buttons {
		all = append(all, b)
	}
	for _, s := range all {
		for _, m := range contactFieldVar.FindAllStringSubmatch(s, -1) {
			out[m[1]] = "{{" + m[1] + "}}"
		}
	}
	return out
}

// broadcastLive is the live panel alone, re-read on the broadcast's events.
func (h *handler) broadcastLive(w http.ResponseWriter, r *http.Request) {
	b, err := h.requestBroadcast(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	live, err := h.liveView(r.Context(), currentUser(r.Context()), b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.BroadcastLivePanel(live))
}

// liveView is the live panel of b for user u: whether starting past the
// messaging limit is offered (when the audience won't fit it), and
// whether some failure may pass by sending again.
func (h *handler) liveView(ctx context.Context, u auth.User, b broadcast.Broadcast) (templates.BroadcastLive, error) {
	live := templates.BroadcastLive{B: b, Manage: u.CanManage()}
	if !live.Manage {
		return live, nil
	}
	if b.Status == broadcast.Draft || (b.Status == broadcast.Paused && b.StartedAt == nil) {
		est, err := h.s.Broadcasts.EstimateFor(ctx, u.WorkspaceID, b.ChannelID, b.Audience)
		if err != nil && problem.As(err).Kind == problem.Internal {
			return live, err
		}
		live.Override = err == nil && !est.Fits
	}
	if b.Counts.Failed > 0 && broadcastStarted(b) && b.Status != broadcast.Cancelled {
		rep, err := h.s.Broadcasts.Report(ctx, u.WorkspaceID, b.ID)
		if err != nil {
			return live, err
		}
		live.Retryable = templates.ReportRetryable(rep)
	}
	return live, nil
}

// recipientsView is a page of recipients filtered by status from cursor after.
func (h *handler) recipientsView(r *http.Request, id, status, after string) (templates.BroadcastRecipients, error) {
	if !slices.Contains(templates.RecipientStatuses, status) {
		status = ""
	}
	if _, err := strconv.Atoi(after); err != nil {
		after = ""
	}
	page, err := h.s.Broadcasts.Recipients(r.Context(), currentUser(r.Context()).WorkspaceID, id, status, after, 50)
	if err != nil {
		return templates.BroadcastRecipients{}, err
	}
	return templates.BroadcastRecipients{ID: id, Status: status, After: after, Rows: page.Recipients, Next: page.Next}, nil
}

// broadcastRecipients is the recipients table alone (its live refresh).
func (h *handler) broadcastRecipients(w http.ResponseWriter, r *http.Request) {
	b, err := h.requestBroadcast(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.recipientsView(r, b.ID, r.URL.Query().Get("status"), r.URL.Query().Get("after"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.BroadcastRecipientsTable(v))
}

// broadcastConversation opens the conversation a recipient's message is in.
func (h *handler) broadcastConversation(w http.ResponseWriter, r *http.Request) {
	b, err := h.requestBroadcast(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.s.Inbox.Message(r.Context(), currentUser(r.Context()).WorkspaceID, chi.URLParam(r, "mid"))
	if err == nil && m.ChannelID != "" && m.ChannelID != b.ChannelID {
		err = problem.NotFoundf("message")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/conversations/"+m.ConversationID, http.StatusSeeOther)
}

func (h *handler) broadcastReport(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	rep, err := h.s.Broadcasts.Report(r.Context(), u.WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names, err := h.channelNames(r.Context(), u.WorkspaceID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.BroadcastReportPage(templates.BroadcastReport{
		Layout: h.layout(r, "Report · "+rep.Broadcast.Name, "broadcasts"), R: rep,
		Channel: broadcastChannel(names, rep.Broadcast.ChannelID), Manage: u.CanManage()}))
}

// broadcastAction runs an action on broadcast {id} and goes back to its
// page saying so; a refusal shows the page with the reason.
func (h *handler) broadcastAction(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, ws, id string) (string, error)) {
	u := currentUser(r.Context())
	id := chi.URLParam(r, "id")
	notice, err := act(r.Context(), u.WorkspaceID, id)
	if err == nil {
		http.Redirect(w, r, "/broadcasts/"+id+"?done="+notice, http.StatusSeeOther)
		return
	}
	p := problem.As(err)
	if p.Kind == problem.NotFound || p.Kind == problem.Internal {
		h.fail(w, r, err)
		return
	}
	b, gerr := h.requestBroadcast(r)
	if gerr != nil {
		h.fail(w, r, gerr)
		return
	}
	r.URL.RawQuery = "" // no notice beside the refusal
	v, verr := h.broadcastView(r, b)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	v.Errors = templates.Errors{Message: describe(problem.As(broadcastFieldErr(err))), Fields: p.Fields}
	h.render(w, r, p.Status(), templates.BroadcastPageView(v))
}

// broadcastFieldErr names a template value's field as the composer does
// ("template.values.body.{{1}}" reads "Body {{1}}") for sentences.
func broadcastFieldErr(err error) error {
	p := problem.As(err)
	if len(p.Fields) == 0 {
		return err
	}
	out := &problem.Error{Kind: p.Kind, Message: p.Message, Fields: map[string]string{}}
	for k, msg := range p.Fields {
		out.Fields[k] = templates.BroadcastFieldMessage(k, msg)
	}
	return out
}

// startOptions reads the "start anyway" confirmation.
func startOptions(r *http.Request) broadcast.StartOptions {
	return broadcast.StartOptions{IgnoreLimit: r.PostFormValue("ignore_limit") == "1"}
}

func (h *handler) startBroadcast(w http.ResponseWriter, r *http.Request) {
	h.broadcastAction(w, r, func(ctx context.Context, ws, id string) (string, error) {
		b, err := h.s.Broadcasts.Start(ctx, ws, id, startOptions(r))
		if b.Status == broadcast.Scheduled {
			return "scheduled", err
		}
		return "started", err
	})
}

func (h *handler) pauseBroadcast(w http.ResponseWriter, r *http.Request) {
	h.broadcastAction(w, r, func(ctx context.Context, ws, id string) (string, error) {
		_, err := h.s.Broadcasts.Pause(ctx, ws, id)
		return "paused", err
	})
}

func (h *handler) resumeBroadcast(w http.ResponseWriter, r *http.Request) {
	h.broadcastAction(w, r, func(ctx context.Context, ws, id string) (string, error) {
		_, err := h.s.Broadcasts.Resume(ctx, ws, id, startOptions(r))
		return "resumed", err
	})
}

func (h *handler) cancelBroadcast(w http.ResponseWriter, r *http.Request) {
	h.broadcastAction(w, r, func(ctx context.Context, ws, id string) (string, error) {
		_, err := h.s.Broadcasts.Cancel(ctx, ws, id)
		return "cancelled", err
	})
}

func (h *handler) retryBroadcast(w http.ResponseWriter, r *http.Request) {
	h.broadcastAction(w, r, func(ctx context.Context, ws, id string) (string, error) {
		n, err := h.s.Broadcasts.RetryFailed(ctx, ws, id)
		if n == 0 {
			return "no-retry", err
		}
		return "retried", err
	})
}

func (h *handler) deleteBroadcast(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	err := h.s.Broadcasts.Delete(r.Context(), u.WorkspaceID, chi.URLParam(r, "id"))
	if err != nil {
		h.broadcastAction(w, r, func(context.Context, string, string) (string, error) { return "", err })
		return
	}
	http.Redirect(w, r, "/broadcasts?done=deleted", http.StatusSeeOther)
}
