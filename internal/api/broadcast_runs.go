package api

import (
	"context"
	"net/http"

	"charla/internal/broadcast"
	"charla/internal/httpx"
)

// A broadcast's run: start, pause, resume, cancel, retry, and what became
// of each recipient. The service refuses a transition the broadcast's
// status does not allow with a 409 saying why.

// ignoreLimit reads the ignore_limit query parameter of start and resume.
func ignoreLimit(r *http.Request) (broadcast.StartOptions, error) {
	switch r.URL.Query().Get("ignore_limit") {
	case "", "false":
		return broadcast.StartOptions{}, nil
	case "true":
		return broadcast.StartOptions{IgnoreLimit: true}, nil
	}
	return broadcast.StartOptions{}, badRequest("ignore_limit", "must be true or false")
}

func (a *server) startBroadcast(w http.ResponseWriter, r *http.Request) {
	a.runBroadcast(w, r, a.s.Broadcasts.Start)
}

func (a *server) resumeBroadcast(w http.ResponseWriter, r *http.Request) {
	a.runBroadcast(w, r, a.s.Broadcasts.Resume)
}

func (a *server) pauseBroadcast(w http.ResponseWriter, r *http.Request) {
	a.changeBroadcast(w, r, a.s.Broadcasts.Pause)
}

func (a *server) cancelBroadcast(w http.ResponseWriter, r *http.Request) {
	a.changeBroadcast(w, r, a.s.Broadcasts.Cancel)
}

// runBroadcast starts or resumes the path's broadcast with the request's options.
func (a *server) runBroadcast(w http.ResponseWriter, r *http.Request,
	run func(ctx context.Context, ws, id string, o broadcast.StartOptions) (broadcast.Broadcast, error)) {
	o, err := ignoreLimit(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.changeBroadcast(w, r, func(ctx context.Context, ws, id string) (broadcast.Broadcast, error) {
		return run(ctx, ws, id, o)
	})
}

// changeBroadcast runs a bodiless transition and answers with the result.
func (a *server) changeBroadcast(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, ws, id string) (broadcast.Broadcast, error)) {
	if err := requireManagerOf(r, manageBroadcasts); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "broadcast_id", "broadcast")
	if err != nil {
		a.error(w, r, err)
		return
	}
	b, err := change(r.Context(), user(r).WorkspaceID, id)
	a.writeBroadcast(w, r, b, err)
}

func (a *server) retryBroadcastFailures(w http.ResponseWriter, r *http.Request) {
	if err := requireManagerOf(r, manageBroadcasts); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "broadcast_id", "broadcast")
	if err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	n, err := a.s.Broadcasts.RetryFailed(r.Context(), ws, id)
	if err != nil {
		a.error(w, r, broadcastErr(err))
		return
	}
	b, err := a.s.Broadcasts.Get(r.Context(), ws, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, retryJSON{Retried: n, Broadcast: broadcastOut(b)})
}

// recipientStatuses are the recipient list's status filters.
var recipientStatuses = map[string]bool{"": true, broadcast.Pending: true, broadcast.Queued: true, broadcast.Held: true,
	broadcast.Sent: true, broadcast.Delivered: true, broadcast.Read: true, broadcast.Failed: true,
	broadcast.Skipped: true, broadcast.Cancelled: true, "replied": true}

func (a *server) listBroadcastRecipients(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "broadcast_id", "broadcast")
	if err != nil {
		a.error(w, r, err)
		return
	}
	cursor, limit, err := page(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	status := r.URL.Query().Get("status")
	if !recipientStatuses[status] {
		a.error(w, r, badRequest("status", "must be pending, queued, held, sent, delivered, read, failed, skipped, cancelled or replied"))
		return
	}
	p, err := a.s.Broadcasts.Recipients(r.Context(), user(r).WorkspaceID, id, status, cursor, limit)
	if err != nil {
		a.error(w, r, cursorErr(err))
		return
	}
	httpx.JSON(w, http.StatusOK, listOf(p.Recipients, inboxCursor(p.Next), recipientOut))
}

func (a *server) getBroadcastReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "broadcast_id", "broadcast")
	if err != nil {
		a.error(w, r, err)
		return
	}
	rep, err := a.s.Broadcasts.Report(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, reportOut(rep))
}
