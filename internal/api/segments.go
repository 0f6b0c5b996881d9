package api

import (
	"net/http"
	"slices"
	"strings"

	"charla/internal/contacts"
	"charla/internal/httpx"
	"charla/internal/problem"
)

// Saved segments: named contact filters, counted live. Every role may read
// them and count a filter (agents narrow the contact list with them); only
// owners and admins change them, since broadcasts are sent to them.

// segmentJSON is the spec's Segment. Count is null in lists: each count is
// a query of its own.
type segmentJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Filter    filterJSON `json:"filter"`
	Count     *int       `json:"count"`
	CreatedAt string     `json:"created_at"`
	UpdatedAt string     `json:"updated_at"`
}

func segmentOut(s contacts.Segment) segmentJSON {
	return segmentJSON{ID: s.ID, Name: s.Name, Filter: filterOut(s.Filter),
		CreatedAt: timestamp(s.CreatedAt), UpdatedAt: timestamp(s.UpdatedAt)}
}

// segmentRequest is the spec's CreateSegmentRequest and UpdateSegmentRequest.
type segmentRequest struct {
	Name   *string     `json:"name"`
	Filter *filterJSON `json:"filter"`
}

func (req segmentRequest) input(f problem.Fields) contacts.SegmentInput {
	in := contacts.SegmentInput{Name: req.Name}
	if req.Filter != nil {
		flt := req.Filter.filter(f, "filter.")
		in.Filter = &flt
	}
	return in
}

// countRequest is the spec's CountContactsRequest.
type countRequest struct {
	Filter *filterJSON `json:"filter"`
}

type countJSON struct {
	Count int `json:"count"`
}

const manageSegments = "segments"

func (a *server) listSegments(w http.ResponseWriter, r *http.Request) {
	cursor, limit, err := page(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	after, err := parseTextCursor(cursor)
	if err != nil {
		a.error(w, r, err)
		return
	}
	all, err := a.s.Contacts.ListSegments(r.Context(), user(r).WorkspaceID)
	if err != nil {
		a.error(w, r, err)
		return
	}
	// A workspace has few segments: they are paged in memory, by name in
	// byte order (the databases' collations differ), names being unique.
	slices.SortFunc(all, func(x, y contacts.Segment) int { return strings.Compare(x.Name, y.Name) })
	start, _ := slices.BinarySearchFunc(all, after, func(s contacts.Segment, name string) int { return strings.Compare(s.Name, name) })
	if after != "" && start < len(all) && all[start].Name == after {
		start++
	}
	end, next := min(start+limit, len(all)), ""
	if end < len(all) {
		next = all[end-1].Name
	}
	httpx.JSON(w, http.StatusOK, listOf(all[start:end], textCursor(next), segmentOut))
}

func (a *server) getSegment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "segment_id", "segment")
	if err != nil {
		a.error(w, r, err)
		return
	}
	sg, err := a.s.Contacts.GetSegment(r.Context(), user(r).WorkspaceID, id)
	a.writeSegment(w, r, http.StatusOK, sg, err)
}

func (a *server) createSegment(w http.ResponseWriter, r *http.Request) {
	if err := requireManagerOf(r, manageSegments); err != nil {
		a.error(w, r, err)
		return
	}
	var req segmentRequest
	if err := decodeJSON(w, r, &req, httpx.MaxJSON); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	if req.Name == nil {
		f.Add("name", "is required")
	}
	in := req.input(f)
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	sg, err := a.s.Contacts.CreateSegment(r.Context(), user(r).WorkspaceID, in)
	a.writeSegment(w, r, http.StatusCreated, sg, err)
}

func (a *server) updateSegment(w http.ResponseWriter, r *http.Request) {
	if err := requireManagerOf(r, manageSegments); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "segment_id", "segment")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req segmentRequest
	if err := decodeJSON(w, r, &req, httpx.MaxJSON); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	in := req.input(f)
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	var sg contacts.Segment
	if req == (segmentRequest{}) {
		// An empty body changes nothing, not even updated_at.
		sg, err = a.s.Contacts.GetSegment(r.Context(), ws, id)
	} else {
		sg, err = a.s.Contacts.UpdateSegment(r.Context(), ws, id, in)
	}
	a.writeSegment(w, r, http.StatusOK, sg, err)
}

func (a *server) deleteSegment(w http.ResponseWriter, r *http.Request) {
	if err := requireManagerOf(r, manageSegments); err != nil {
		a.error(w, r, err)
		return
	}
	id, err := pathID(r, "segment_id", "segment")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.s.Contacts.DeleteSegment(r.Context(), user(r).WorkspaceID, id); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeSegment answers with a single segment and its live count.
func (a *server) writeSegment(w http.ResponseWriter, r *http.Request, status int, sg contacts.Segment, err error) {
	if err != nil {
		a.error(w, r, err)
		return
	}
	n, err := a.s.Contacts.Count(r.Context(), user(r).WorkspaceID, sg.Filter)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := segmentOut(sg)
	out.Count = &n
	httpx.JSON(w, status, out)
}

func (a *server) listSegmentContacts(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "segment_id", "segment")
	if err != nil {
		a.error(w, r, err)
		return
	}
	cursor, limit, err := page(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	after, err := parseIDCursor(cursor)
	if err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	sg, err := a.s.Contacts.GetSegment(r.Context(), ws, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.s.Contacts.ListFiltered(r.Context(), ws, sg.Filter, after, limit)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, listOf(p.Contacts, idCursor(p.Next), contactOut))
}

// countContacts counts the contacts an unsaved filter matches, for a live
// count while a segment or an audience is being edited.
func (a *server) countContacts(w http.ResponseWriter, r *http.Request) {
	var req countRequest
	if err := decodeJSON(w, r, &req, httpx.MaxJSON); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	var flt contacts.Filter
	if req.Filter == nil {
		f.Add("filter", "is required; send {} to count every contact")
	} else {
		flt = req.Filter.filter(f, "filter.")
	}
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	n, err := a.s.Contacts.Count(r.Context(), user(r).WorkspaceID, flt)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, countJSON{Count: n})
}
