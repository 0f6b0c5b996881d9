package web

import (
	"context"
	"net/http"
	"net/url"

	"charla/internal/auth"
	"charla/internal/contacts"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// This file is the contacts list (/contacts): search, the filter builder with
// its live count, saved segments applied from the URL, and keyset pages.
// Segments are saved, changed and deleted in segments.go; one contact's
// page is contacts_page_contact.go.

// contactsPageSize is how many contacts a page of the list shows.
const contactsPageSize = 25

// contactNotices are the confirmations the list shows after a redirect.
var contactNotices = map[string]string{
	"segment-created": "Segment saved.", "segment-updated": "Segment saved.", "segment-deleted": "Segment deleted.",
}

// contactsPage is the list. The builder's live requests get the results
// (count and rows), adding or removing a condition gets the builder too,
// and "load more" gets the next rows; each puts the list's state in the
// address bar, so it can be shared and reloaded.
func (h *handler) contactsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	seg, d, err := h.contactsState(r.Context(), currentUser(r.Context()).WorkspaceID, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d = editDraft(d, q.Get("add"), q.Get("remove"))
	v, err := h.contactsView(r, seg, d, q.Get("cursor"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch hxTarget(r) {
	case "contact-results":
		w.Header().Set("HX-Replace-Url", v.ContactsURL())
		h.render(w, r, http.StatusOK, templates.ContactResultsFragment(v))
	case "contacts-work":
		w.Header().Set("HX-Replace-Url", v.ContactsURL())
		h.render(w, r, http.StatusOK, templates.ContactsWork(v))
	case "contacts-more":
		h.render(w, r, http.StatusOK, templates.ContactRowsMore(v))
	default:
		v.Notice = contactNotices[q.Get("done")]
		h.render(w, r, http.StatusOK, templates.ContactsList(v))
	}
}

// contactsState reads which segment is applied and the builder's conditions:
// those in the query once the builder was used (f=1), else the segment's.
// A segment of another workspace is not found.
func (h *handler) contactsState(ctx context.Context, ws string, q url.Values) (*contacts.Segment, templates.SegmentDraft, error) {
	var seg *contacts.Segment
	if id := q.Get("segment"); id != "" {
		s, err := h.s.Contacts.GetSegment(ctx, ws, id)
		if err != nil {
			return nil, templates.SegmentDraft{}, err
		}
		seg = &s
		if q.Get("f") == "" {
			return seg, draftOf(s.Filter), nil
		}
	}
	return seg, draftFrom(q), nil
}

// contactsView loads the list for draft d: the conditions that are filled
// in are counted and listed from cursor on; problems show by the conditions.
func (h *handler) contactsView(r *http.Request, seg *contacts.Segment, d templates.SegmentDraft, cursor string) (templates.ContactsPage, error) {
	ctx := r.Context()
	u := currentUser(ctx)
	segs, err := h.s.Contacts.ListSegments(ctx, u.WorkspaceID)
	if err != nil {
		return templates.ContactsPage{}, err
	}
	chans, err := h.s.Channels.List(ctx, u.WorkspaceID)
	if err != nil {
		return templates.ContactsPage{}, err
	}
	title := "Contacts"
	if seg != nil {
		title = seg.Name + " · Contacts"
	}
	v := templates.ContactsPage{Layout: h.layout(r, title, "contacts"), Segments: segs, Segment: seg,
		CanManage: u.CanManage(), Channels: chans, Draft: d}
	b := buildFilter(d, false)
	v.Incomplete = b.incomplete
	if len(b.fields) > 0 {
		v.Errors.Fields, v.Results.Invalid = b.problems(b.f.Validate()), true
		return v, nil
	}
	n, err := h.s.Contacts.Count(ctx, u.WorkspaceID, b.f)
	if problem.Is(err, problem.Invalid) {
		v.Errors.Fields, v.Results.Invalid = b.problems(err), true
		return v, nil
	}
	if err != nil {
		return templates.ContactsPage{}, err
	}
	page, err := h.s.Contacts.ListFiltered(ctx, u.WorkspaceID, b.f, cursor, contactsPageSize)
	if err != nil {
		return templates.ContactsPage{}, err
	}
	names := make(map[string]string, len(chans))
	for _, c := range chans {
		names[c.ID] = c.Name
	}
	rows, err := h.contactRows(ctx, u, b.f, page.Contacts, cursor, names)
	if err != nil {
		return templates.ContactsPage{}, err
	}
	v.Results = templates.ContactResults{Count: n, Rows: rows, Cursor: cursor}
	if page.Next != "" {
		v.Results.More = v.MoreURL(page.Next)
	}
	return v, nil
}

// contactRows adds to a page of contacts what the list shows beside them:
// their channels, latest activity and whether they opted out.
//
// The contacts service lists contacts with their tags only, so identities and
// activity are read per row (a page is at most 25). Opt-outs take one query:
// the same filter narrowed to opted-out contacts, from the same cursor and
// as long as the page, holds every opted-out contact of the page.
func (h *handler) contactRows(ctx context.Context, u auth.User, f contacts.Filter, cs []contacts.Contact, cursor string, channels map[string]string) ([]templates.ContactRow, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	optedOut := map[string]bool{}
	if f.Subscribed != nil {
		for _, c := range cs {
			optedOut[c.ID] = !*f.Subscribed
		}
	} else {
		g := f
		g.Subscribed = new(bool)
		out, err := h.s.Contacts.ListFiltered(ctx, u.WorkspaceID, g, cursor, len(cs))
		if err != nil {
			return nil, err
		}
		for _, c := range out.Contacts {
			optedOut[c.ID] = true
		}
	}
	rows := make([]templates.ContactRow, 0, len(cs))
	for _, c := range cs {
		row := templates.ContactRow{Contact: c, OptedOut: optedOut[c.ID]}
		full, err := h.s.Contacts.Get(ctx, u.WorkspaceID, c.ID)
		switch {
		case problem.Is(err, problem.NotFound):
			continue // deleted since the page was read
		case err != nil:
			return nil, err
		}
		seen := map[string]bool{}
		for _, i := range full.Identities {
			if !seen[i.ChannelID] {
				seen[i.ChannelID] = true
				row.Channels = append(row.Channels, channelNameOr(channels, i.ChannelID))
			}
		}
		convs, err := h.s.Inbox.List(ctx, u, inbox.Filter{ContactID: c.ID, Status: "all", Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(convs.Conversations) > 0 {
			at := convs.Conversations[0].LastActivityAt
			row.LastActivity = &at
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// channelNameOr names a channel of the workspace, which may have been deleted since.
func channelNameOr(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "Deleted channel"
}
